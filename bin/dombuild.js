#!/bin/sh
':' /* biome-ignore format: the lines up to the end of this comment are a shell script */ /*
# This file is both a shell script and an ES module. Started as a program (npx dombuild, a PATH
# lookup), sh runs this block and never reaches the JavaScript; under `node bin/dombuild.js` the block
# is a comment. The shell starts node from the V8 snapshot that `npm ci` built (dist/cli.blob: yargs,
# zod, yaml, schema and builder already loaded), but only with the node binary that built it (same
# path, inode and size, not modified since) and no NODE_OPTIONS, because node refuses a blob from
# another build or with other V8 flags. In every other case the JavaScript below runs, a little slower.
self=$0
while [ -L "$self" ]; do
  link=$(readlink -- "$self") || break
  case $link in
    /*) self=$link ;;
    *) self=${self%/*}/$link ;;
  esac
done
case $self in *"/"*) ;; *) self=./$self ;; esac
dist=${self%/*}/../dist
same_node() { [ "$2 $7" = "$1" ]; }
if [ -z "${NODE_OPTIONS-}" ] && [ -f "$dist/cli.blob" ] && [ -r "$dist/cli.node" ]; then
  { read -r node; read -r id; } <"$dist/cli.node"
  if [ -x "$node" ] && [ ! "$node" -nt "$dist/cli.blob" ] && same_node "$id" $(ls -iLn -- "$node"); then
    exec "$node" --snapshot-blob "$dist/cli.blob" -- "$@"
  fi
fi
exec node "$self" "$@"
*/

// The published entry: a bundled CLI, so start-up reads one file instead of resolving a module graph.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write('dombuild: dist/cli.js is missing; run `npm run build` (npm ci runs it for you)\n');
  process.exit(2);
}
const { main } = await import(bundle.href);
process.exitCode = await main(process.argv.slice(2));
