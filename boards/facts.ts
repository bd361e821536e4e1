// Moved to builder/board-facts.ts (boards/ must not import schema/). This re-export only keeps
// build.run.ts, builder/build.ts, builder/x86/build.ts and cli/commands/run.run.ts compiling
// until their imports move; it points the wrong way (boards → builder), so delete it then.
/** @deprecated import from builder/board-facts.js */
export { toBoardFacts } from '../builder/board-facts.js';
