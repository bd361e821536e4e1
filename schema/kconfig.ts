// Reader for a Xen build's .config (Kconfig output). Only the lines Kconfig writes are accepted:
// `CONFIG_X=value`, `# CONFIG_X is not set`, comments and blank lines.
import type { Diagnostic } from './diagnostic.js';

export interface Kconfig {
  /** Option name without CONFIG_ → value: 'y', 'm', 'n' (not set), a number or an unquoted string. */
  values: ReadonlyMap<string, string>;
  file?: string;
}

const MAX_LINES = 100_000;
const MAX_TEXT = 4 * 1024 * 1024;

export function parseKconfig(text: string, file?: string): { kconfig: Kconfig; diagnostics: Diagnostic[] } {
  const values = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  const kconfig: Kconfig = file === undefined ? { values } : { values, file };
  if (text.length > MAX_TEXT) {
    diagnostics.push({
      id: 'kconfig-syntax',
      severity: 'error',
      message: `.config is larger than ${MAX_TEXT} bytes`,
      path: 'xen.kconfig',
      hint: 'point xen.kconfig at the .config of the Xen build',
      ...(file === undefined ? {} : { file }),
    });
    return { kconfig, diagnostics };
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && i < MAX_LINES; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const notSet = /^#\s*CONFIG_([A-Za-z0-9_]+) is not set$/.exec(line);
    if (notSet) {
      values.set(notSet[1]!, 'n');
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (!m) {
      diagnostics.push({
        id: 'kconfig-syntax',
        severity: 'warning',
        message: `line ${i + 1} is not a Kconfig assignment`,
        path: 'xen.kconfig',
        hint: 'a .config holds lines like CONFIG_STATIC_MEMORY=y',
        ...(file === undefined ? {} : { file, line: i + 1, col: 1 }),
      });
      continue;
    }
    let v = m[2]!;
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    values.set(m[1]!, v);
  }
  return { kconfig, diagnostics };
}

/** Whether an option is built in (y) or modular (m). Absent options are off: Kconfig writes every visible one. */
export function kconfigEnabled(k: Kconfig, option: string): boolean {
  const v = k.values.get(option);
  return v === 'y' || v === 'm';
}
