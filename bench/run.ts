// `npm run bench`: runs every bench/*.bench.ts in name order. Each compares us with a reference
// measured in the same run (dtc, ImageBuilder, an empty `node -e ''`) and reports ratios, never
// absolute pass/fail: benchmarks judge trends, tests judge correctness.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Report = (line: string) => void;
export interface BenchModule {
  title: string;
  default: (report: Report) => Promise<void>;
}

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

let failed = false;
for (const file of files) {
  const mod = (await import(new URL(file, import.meta.url).href)) as BenchModule;
  process.stdout.write(`\n## ${mod.title} (${file})\n`);
  try {
    await mod.default((line) => process.stdout.write(`  ${line}\n`));
  } catch (err) {
    failed = true;
    process.stdout.write(`  FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
