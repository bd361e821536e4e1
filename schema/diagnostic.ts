// The one report shape (dtc's check_msg, yaml's YAMLError): every problem found in a config, by the
// loader, the params parser or a check, is a Diagnostic value. Rendering lives in render.ts.

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  /** Stable kebab-case id: a check id ('shm-single-owner') or a loader code ('yaml-syntax'). */
  id: string;
  severity: Severity;
  message: string;
  /** Field path such as 'domains[1].memory'; '' for the whole file. */
  path: string;
  /** What to do about it. */
  hint?: string;
  /** Reference section the rule comes from. */
  ref?: string;
  /** Source location, 1-based, when known. */
  file?: string;
  line?: number;
  col?: number;
  /** Byte offsets [start, end) in the source text. */
  range?: [number, number];
}

/** Formats a path array (['domains', 1, 'memory']) as 'domains[1].memory'. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** True when any diagnostic fails validation (errors always; warnings when strict). */
export function hasFailures(diags: readonly Diagnostic[], strict = false): boolean {
  return diags.some((d) => d.severity === 'error' || (strict && d.severity === 'warning'));
}
