#!/bin/sh
':' /* biome-ignore format: the lines up to the end of this comment are a shell script */ /*
# This file is both a shell script and an ES module. Started as a program (npx dombuild, a PATH
# lookup), sh runs this block and never reaches the JavaScript; under `node bin/dombuild.js` the block
# is a comment.
#
# The shell starts node from the V8 snapshot that `npm run build` leaves in .cache/snapshot (yargs,
# zod, yaml, schema and builder already loaded) for the commands that load most of that code. It
# does not for --version and --help (printed below without loading the CLI) nor for dtc (which
# loads only the device-tree code, and whose peak memory the snapshot's heap would raise).
# The snapshot is a cache, checked before every use: the node binary that built it (same path,
# inode and size, not modified since), the blob's size, and that the blob was not rewritten after
# its description; and no NODE_OPTIONS, since node refuses a blob with other V8 flags. A blob that
# fails any check is never started (a bad one would crash node) and, in a checkout that can build
# it, is rebuilt in the background; the JavaScript below runs meanwhile.
self=$0
while [ -L "$self" ]; do
  link=$(readlink -- "$self") || break
  case $link in
    /*) self=$link ;;
    *) self=${self%/*}/$link ;;
  esac
done
case $self in *"/"*) ;; *) self=./$self ;; esac
top=${self%/*}/..
snap=$top/.cache/snapshot
# ls -ln fields: mode, links, owner, group, size; ls -iLn puts the inode first.
same_node() { [ "$2 $7" = "$1" ]; }
same_size() { [ "$6" = "$1" ]; }
case ${1-} in
  '' | dtc | --version | --help) ;;
  *)
    if [ -z "${NODE_OPTIONS-}" ] && [ -f "$snap/cli.node" ]; then
      { read -r node; read -r id; read -r _version; read -r size; } <"$snap/cli.node"
      if [ -x "$node" ] && [ -f "$snap/cli.blob" ] && [ ! "$node" -nt "$snap/cli.blob" ] &&
        [ ! "$snap/cli.blob" -nt "$snap/cli.node" ] && same_size "$size" $(ls -ln -- "$snap/cli.blob") &&
        same_node "$id" $(ls -iLn -- "$node"); then
        DOMBUILD_DIST=$top/dist exec "$node" --snapshot-blob "$snap/cli.blob" -- "$@"
      fi
      # Stale or damaged: forget it (so only one launcher asks), and rebuild it where we can.
      rm -f -- "$snap/cli.node"
      if [ -f "$top/scripts/build.mjs" ] && [ -d "$top/node_modules/esbuild" ]; then
        (node "$top/scripts/build.mjs" --snapshot-only --snapshot-dir "$snap" >/dev/null 2>&1 &)
      fi
    fi
    ;;
esac
# dtc holds a whole tree: young-generation semi-spaces of 1 MiB instead of up to 16 keep its peak
# RSS ~20% lower for the same CPU (10,000-node tree: 100 -> 83 MiB); other commands allocate little.
if [ "${1-}" = dtc ]; then exec node --max-semi-space-size=1 "$self" "$@"; fi
exec node "$self" "$@"
*/

// The published entry: a bundled CLI, so start-up reads one file instead of resolving a module graph.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/', import.meta.url);
const argv = process.argv.slice(2);

// `--version` and `--help` alone print text fixed at build time (at the width a pipe or a terminal
// of 100 columns or more gets), so they cost no more than starting node.
const asked = argv.length === 1 ? argv[0] : undefined;
let fixed;
if (
  (asked === '--version' || asked === '--help') &&
  !(process.stdout.isTTY && process.stdout.columns < 100)
) {
  try {
    fixed = JSON.parse(readFileSync(new URL('static-output.json', dist), 'utf8'))[asked];
  } catch {
    // absent (a build in progress) or unreadable: the CLI below says the same, more slowly
  }
}

if (typeof fixed === 'string') {
  process.stdout.write(fixed);
} else {
  const bundle = new URL('cli.js', dist);
  if (!existsSync(fileURLToPath(bundle))) {
    process.stderr.write('dombuild: dist/cli.js is missing; run `npm run build` (npm ci runs it for you)\n');
    process.exitCode = 2;
  } else {
    const { main } = await import(bundle.href);
    process.exitCode = await main(argv);
  }
}
