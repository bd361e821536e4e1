// Completes package-lock.json for the registry this project is built against, which serves only the
// platform packages of linux-x64-gnu: npm leaves the other platforms' optional packages (biome, rollup)
// out of the lock, and `npm ci` then refuses the lock as out of sync. Each missing entry is added with
// the os/cpu/libc that keep npm from installing it here. Run after any `npm install`:
//   node scripts/complete-lockfile.mjs package-lock.json
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
const lock = JSON.parse(readFileSync(file, 'utf8'));
const pk = lock.packages;
let added = 0;
for (const [_path, entry] of Object.entries(pk)) {
  for (const [dep, ver] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (pk[key]) continue;
    const name = dep.split('/').pop();
    const osList = [
      'android',
      'darwin',
      'win32',
      'freebsd',
      'openbsd',
      'netbsd',
      'sunos',
      'aix',
      'openharmony',
      'linux',
    ];
    const os = osList.find((o) => name.includes(o)) ?? 'none';
    const cpuList = [
      'arm64',
      'x64',
      'ia32',
      'arm',
      'loong64',
      'ppc64',
      'riscv64',
      's390x',
      'mips64el',
      'wasm32',
    ];
    let cpu = cpuList.find((c) => new RegExp(`(^|-)${c}($|-)`).test(name)) ?? 'none';
    if (name.includes('loongarch64') || name.includes('loong64')) cpu = 'loong64';
    const e = {
      version: ver.replace(/^[\^~]/, ''),
      dev: entry.dev || undefined,
      optional: true,
      os: [os],
      cpu: [cpu],
    };
    if (name.includes('musl')) e.libc = ['musl'];
    pk[key] = e;
    added++;
    console.log(key, JSON.stringify(e));
  }
}
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.error(`added ${added}`);
