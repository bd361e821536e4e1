// Moved to builder/board-facts.ts (boards/ must not import schema/). This re-export only keeps the
// importers others are editing (cli/commands/build.run.ts, run.run.ts, validate.run.ts,
// builder/build.ts, builder/x86/build.ts) compiling until they name the new path; it points the
// wrong way (boards → builder), so delete it then.
/** @deprecated import from builder/board-facts.js */
export { toBoardFacts } from '../builder/board-facts.js';
