// Runs the unit/property suites (vitest) and the end-to-end suites (ava), then prints one closing
// line that counts both: "tests: N passed, N failed[, N skipped]". Exit code is non-zero on any failure.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const resultsDir = join(root, '.test-results');
mkdirSync(resultsDir, { recursive: true });
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(cmd, args, { tee } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (tee) process.stdout.write(chunk);
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

function findFiles(dir, suffix) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) found.push(...findFiles(p, suffix));
    else if (name.endsWith(suffix)) found.push(p);
  }
  return found;
}

const extra = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
let exit = 0;

const jsonOut = join(resultsDir, 'vitest.json');
const vitest = await run(
  bin('vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${jsonOut}`, ...extra],
  { tee: true },
);
if (existsSync(jsonOut)) {
  const r = JSON.parse(readFileSync(jsonOut, 'utf8'));
  totals.passed += r.numPassedTests;
  totals.failed += r.numFailedTests;
  totals.skipped += r.numPendingTests + r.numTodoTests;
  // A file that throws while loading (e.g. a required tool missing under CI) has no test results.
  const brokenFiles = (r.testResults ?? []).filter(
    (f) => f.status === 'failed' && f.assertionResults.length === 0,
  );
  totals.failed += brokenFiles.length;
} else {
  totals.failed += 1;
}
if (vitest.code !== 0) exit = 1;

const e2eFiles = findFiles(join(root, 'test', 'e2e'), '.e2e.ts');
if (e2eFiles.length > 0 && extra.length === 0) {
  const ava = await run(bin('ava'), ['--tap'], { tee: true });
  const count = (label) => Number(ava.out.match(new RegExp(`^# ${label} (\\d+)$`, 'm'))?.[1] ?? 0);
  totals.passed += count('pass');
  totals.failed += count('fail');
  totals.skipped += count('skip') + count('todo');
  if (ava.code !== 0) {
    exit = 1;
    if (count('fail') === 0) totals.failed += 1;
  }
}

const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed${skipped}\n`);
process.exitCode = exit || (totals.failed ? 1 : 0);
