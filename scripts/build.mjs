// Bundles the CLI and the library with esbuild, then, when this node can, a V8 start-up snapshot
// of the CLI with yargs, zod, yaml, the schema and the builder already loaded and warmed up.
//
// dist/cli.js (+ chunks): ESM, commands in their own chunks, so no command loads another's code.
//   This is what a registry install runs, and what runs without a usable snapshot.
// dist/static-output.json: what `--version` and `--help` print (at the default width), taken from
//   the bundle just built; bin/dombuild.js prints it without loading the CLI at all.
// .cache/snapshot/cli.blob + cli.node: the snapshot, and the node binary that built it (path,
//   inode, size, version) with the blob's own size. Only this checkout can use it: node refuses a
//   blob from any other build, so it lives outside dist/ and `files`, and `npm pack` never ships
//   it. bin/dombuild.js uses it only when every recorded fact still holds, and otherwise runs the
//   ESM and has this script rebuild it in the background (`--snapshot-only`).
//
// `npm ci` runs this (prepare). A snapshot that cannot be built is a warning, never a failed
// install: the ESM path still works.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist');
const args = process.argv.slice(2);
const snapshotOnly = args.includes('--snapshot-only');
const snapshotDir = args.includes('--snapshot-dir')
  ? args[args.indexOf('--snapshot-dir') + 1]
  : join(root, '.cache', 'snapshot');

const warn = (msg) => process.stderr.write(`build: ${msg}\n`);

// Start-up fixes applied to dependencies as they are bundled. Each is an exact text match; when a
// dependency update moves the text, the build fails and names the patch: a silent miss would
// cost ~50 ms per process, or a snapshot that cannot be built.
//  - string-width (yargs' help layout, three copies): printable ASCII is as wide as it is long, which
//    its own slow path also computes, but only after creating an Intl.Segmenter and compiling a large
//    emoji regex (~50 ms per process). The segmenter is created on first non-ASCII use instead of at
//    load, because a snapshot cannot hold an ICU object.
//  - yargs' platform shim reads process.stdout.columns at load, which opens stdout: a snapshot
//    cannot hold that handle, so it becomes a getter.
const patches = [
  {
    file: /[\\/]string-width[\\/]index\.js$/,
    edits: [
      [
        /export default function stringWidth\((\w+), options = \{\}\) \{\n/,
        'export default function stringWidth($1, options = {}) {\n' +
          "\tif (typeof $1 === 'string' && /^[\\x20-\\x7e]*$/.test($1)) return $1.length;\n",
      ],
      [
        /const segmenter = new Intl\.Segmenter\(\);/,
        'let __segmenter;\nconst segmenter = { segment: (s) => (__segmenter ??= new Intl.Segmenter()).segment(s) };',
      ],
    ],
  },
  {
    file: /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/,
    edits: [
      [
        /stdColumns: (typeof process\.stdout\.columns !== 'undefined' \? process\.stdout\.columns : null)/,
        'get stdColumns() { return $1; }',
      ],
    ],
  },
];

const patchDependencies = {
  name: 'patch-dependencies',
  setup(b) {
    for (const { file, edits } of patches) {
      b.onLoad({ filter: file }, (args) => {
        let src = readFileSync(args.path, 'utf8');
        for (const [from, to] of edits) {
          if (!from.test(src))
            throw new Error(
              `${args.path}: start-up patch ${from} no longer applies; update scripts/build.mjs`,
            );
          src = src.replace(from, to);
        }
        return { contents: src, loader: 'js' };
      });
    }
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'bundle',
  sourcemap: false,
  // Identifiers stay readable so that an internal error's stack still names functions.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [patchDependencies],
};

if (snapshotOnly) {
  if (!existsSync(join(outdir, 'cli.js')))
    throw new Error('--snapshot-only needs dist/cli.js: run npm run build');
} else {
  rmSync(outdir, { recursive: true, force: true });
  await bundle();
  writeStaticOutput();
}

async function bundle() {
  await build({
    ...common,
    entryPoints: { cli: 'cli/main.ts', index: 'index.ts' },
    absWorkingDir: root,
    outdir,
    splitting: true,
    format: 'esm',
    // Bundled CommonJS dependencies (yaml) call require(); ESM output has none unless we make one.
    banner: {
      js: "import { createRequire as __dombuildCreateRequire } from 'node:module';\nconst require = __dombuildCreateRequire(import.meta.url);",
    },
  });
}

/**
 * `--version` and `--help` as the bundle prints them to a pipe (width 100, as on any terminal of
 * 100 columns or more). They are the same for every install, so they are computed once here.
 */
function writeStaticOutput() {
  const out = {};
  for (const flag of ['--version', '--help']) {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'dombuild.js'), flag], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`dombuild ${flag} exited ${r.status}: ${r.stderr}`);
    out[flag] = r.stdout;
  }
  writeFileSync(join(outdir, 'static-output.json'), JSON.stringify(out));
}

if (process.env.DOMBUILD_NO_SNAPSHOT) warn('DOMBUILD_NO_SNAPSHOT is set: no start-up snapshot');
else {
  // One builder at a time: launchers that find the snapshot stale all ask for a rebuild.
  const lock = `${snapshotDir}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  try {
    if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 10 * 60_000)
      rmSync(lock, { recursive: true });
    mkdirSync(lock);
  } catch {
    warn(`another build is making the snapshot (${lock}); leaving it to that one`);
    process.exit(0);
  }
  try {
    await buildSnapshot();
  } catch (err) {
    warn(`no start-up snapshot (the CLI starts without it): ${err instanceof Error ? err.stack : err}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function buildSnapshot() {
  const work = mkdtempSync(join(tmpdir(), 'dombuild-snapshot-'));
  // Whatever was there stops being used now; the new one is in place only once it has passed.
  rmSync(join(snapshotDir, 'cli.node'), { force: true });
  try {
    const entry = join(work, 'cli-snapshot.cjs');
    await build({
      ...common,
      stdin: {
        contents: snapshotEntry(work),
        resolveDir: root,
        sourcefile: 'snapshot-entry.ts',
        loader: 'ts',
      },
      absWorkingDir: root,
      outfile: entry,
      format: 'cjs',
      // A CommonJS bundle has no import.meta; the deserialised process sets the real location.
      define: { 'import.meta.url': 'globalThis.__dombuildImportMetaUrl' },
      banner: {
        js: "globalThis.__dombuildImportMetaUrl = require('node:url').pathToFileURL(__filename).href;",
      },
    });
    writeWarmUpSystem(join(work, 'files'));
    const blob = join(work, 'cli.blob');
    const made = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', entry], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: work, DOMBUILD_CACHE: join(work, 'cache') },
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (made.status !== 0 || !existsSync(blob)) {
      const why = `${made.stderr ?? ''}${made.error ?? ''}`.trim().split('\n').slice(0, 6).join('\n  ');
      warn(
        `no start-up snapshot (node ${process.version} could not build one; the CLI starts without it):\n  ${why}`,
      );
      return;
    }
    for (const line of (made.stderr ?? '').split('\n')) if (line.startsWith('warm-up:')) warn(line);
    const problem = compareWithEsm(blob);
    if (problem) {
      warn(`no start-up snapshot: it does not behave like dist/cli.js (${problem})`);
      return;
    }
    mkdirSync(snapshotDir, { recursive: true });
    const size = statSync(blob).size;
    // Beside the final name first: a rename never leaves half a blob under it.
    const staged = join(snapshotDir, `.cli.blob.${process.pid}`);
    copyFileSync(blob, staged);
    renameSync(staged, join(snapshotDir, 'cli.blob'));
    // Written last, so a launcher never pairs it with a blob that is not the one described.
    writeFileSync(join(snapshotDir, 'cli.node'), `${nodeIdentity()}${size}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The snapshot's entry: the CLI plus a warm-up. Running real commands once here leaves their modules
 * initialised and their functions compiled in the snapshot. The warm-up uses a fake IO and the
 * examples only: nothing it does may depend on the machine the snapshot later runs on.
 */
function snapshotEntry(work) {
  return `
import { startupSnapshot } from 'node:v8';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { main, runCli } from './cli/main.ts';

const io = {
  stdout: () => {}, stdoutBytes: () => {}, stderr: () => {},
  readStdin: async () => new Uint8Array(),
  cwd: ${JSON.stringify(root)},
  env: { DOMBUILD_CACHE: ${JSON.stringify(join(work, 'cache'))} },
  isTTY: false,
};
const warmUp = [
  ['--help'],
  ['validate', 'examples/minimal.yaml'],
  ['build', 'examples/minimal.yaml', '--only', 'uboot', '-o', ${JSON.stringify(join(work, 'out'))}],
  ['build', ${JSON.stringify(join(work, 'files', 'system.yaml'))}, '--only', 'uboot', '-o', ${JSON.stringify(join(work, 'out-files'))}],
];

startupSnapshot.setDeserializeMainFunction(async () => {
  // The bundle's own location, for code that finds files beside it: the launcher says where
  // dist/ is; by default the blob sits in <root>/.cache/snapshot.
  const blob = process.execArgv[process.execArgv.indexOf('--snapshot-blob') + 1];
  const dist = process.env.DOMBUILD_DIST ?? join(dirname(blob), '..', '..', 'dist');
  globalThis.__dombuildImportMetaUrl = pathToFileURL(join(dist, 'cli.js')).href;
  process.exitCode = await main(process.argv.slice(1));
});

(async () => {
  for (const argv of warmUp) {
    // Exit 1 is a config finding, still a useful warm-up; anything else means the warm-up is stale.
    const code = await runCli(argv, io);
    if (code > 1) console.error(\`warm-up: dombuild \${argv.join(' ')} exited \${code}\`);
  }
})();
`;
}

/** A system whose guests boot kernel files (the probe-guest example has none): arm64 Image headers. */
function writeWarmUpSystem(dir) {
  mkdirSync(dir, { recursive: true });
  const image = new Uint8Array(4096);
  const v = new DataView(image.buffer);
  v.setBigUint64(16, BigInt(image.length), true); // image_size
  v.setBigUint64(24, 0xan, true); // flags
  v.setUint32(56, 0x644d5241, true); // "ARM\x64"
  writeFileSync(join(dir, 'Image'), image);
  writeFileSync(join(dir, 'xen'), image);
  const guest = (i) =>
    `  - { name: g${i}, kernel: Image, memory: 16M, vcpus: 1, cmdline: "console=ttyAMA0" }\n`;
  writeFileSync(
    join(dir, 'system.yaml'),
    `xen: { release: "4.17", image: xen }\nboard: qemu-virt-arm64\ndomains:\n${guest(0)}${guest(1)}`,
  );
}

/** Runs --version and --help through the blob and through dist/cli.js; they must print the same. */
function compareWithEsm(blob) {
  for (const args of [['--version'], ['--help'], ['validate', '--help']]) {
    const esm = spawnSync(process.execPath, [join(root, 'bin', 'dombuild.js'), ...args], {
      encoding: 'utf8',
    });
    const snap = spawnSync(process.execPath, ['--snapshot-blob', blob, '--', ...args], {
      encoding: 'utf8',
      env: { ...process.env, DOMBUILD_DIST: outdir },
    });
    if (snap.status !== esm.status || snap.stdout !== esm.stdout) return `\`${args.join(' ')}\` differs`;
  }
  return undefined;
}

/** The node binary that built the blob, as bin/dombuild.js checks it: path, inode and size, version. */
function nodeIdentity() {
  const exe = realpathSync(process.execPath);
  const st = statSync(exe, { bigint: true });
  return `${exe}\n${st.ino} ${st.size}\n${process.version}\n`;
}
