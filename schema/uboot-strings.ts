// The one definition of which strings can reach a U-Boot script: the schema checks configs with it
// and builder/uboot/quote.ts quotes with it, so a config that validates is one the builder can
// quote. Facts behind the alphabet (hush in U-Boot's cli_hush.c, proved on real U-Boot in
// test/builder/uboot-qemu.test.ts): inside '...' every byte up to the next ' is taken, and a '
// cannot be written inside; a backslash is not literal even there (U-Boot 2023.01 turns '\\' into
// \ and '\b' into b); bytes 0x03/0x04 are hush's own markers; other control bytes and bytes
// >= 0x80 only complicate matters. So: printable ASCII without ' and \.

export type UbootStringProblem = 'control-character' | 'non-ascii' | 'single-quote' | 'backslash';

/** The same rule as `isUbootSafe`, as a regular expression (for docs and property tests). */
export const UBOOT_SAFE_PATTERN = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;

/** Why `s` cannot be single-quoted for hush, with the index of the first bad character. */
export function ubootStringProblem(s: string): { index: number; problem: UbootStringProblem } | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x27) return { index: i, problem: 'single-quote' };
    if (c === 0x5c) return { index: i, problem: 'backslash' };
    if (c < 0x20 || c === 0x7f) return { index: i, problem: 'control-character' };
    if (c > 0x7e) return { index: i, problem: 'non-ascii' };
  }
  return undefined;
}

/** Printable ASCII (0x20..0x7e) without the single quote and the backslash. */
export function isUbootSafe(s: string): boolean {
  return ubootStringProblem(s) === undefined;
}
