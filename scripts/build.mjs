// Bundles the CLI and the library with esbuild. Commands stay in their own chunks so that
// `dombuild --help` and `dombuild validate` never load the emitters.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const outdir = new URL('../dist/', import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { cli: 'cli/main.ts', index: 'index.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'bundle',
  sourcemap: false,
  minify: false,
  legalComments: 'none',
  // Bundled CommonJS dependencies (yaml) call require(); ESM output has none unless we make one.
  banner: { js: "import { createRequire as __dombuildCreateRequire } from 'node:module';\nconst require = __dombuildCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
