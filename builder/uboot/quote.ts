// Quoting for U-Boot's hush parser (the "old" hush of common/cli_hush.c, which every U-Boot up to
// today uses for `source`d scripts unless the 2021 parser is chosen in Kconfig). Facts this rests
// on, read from cli_hush.c and proved against real U-Boot in test/builder/uboot-qemu.test.ts:
//  - Inside '...' every byte up to the next ' is taken: no $-expansion, no ; & | # handling.
//    A ' cannot be written inside. A backslash is NOT literal: U-Boot 2023.01 turns '\\' into \
//    and '\b' into b after parsing (seen on real U-Boot), so backslashes are refused too.
//  - Bytes 0x03 and 0x04 are hush's own variable markers: found anywhere in a word, even a quoted
//    one, they make hush substitute or re-parse. Other control bytes (newline, tab, CR) and
//    bytes >= 0x80 only complicate matters, so the safe alphabet is printable ASCII minus ' and \.
//  - A command that contains any $-expansion is re-parsed after expansion; so the emitter never
//    puts a user string into a command that also expands a variable.
import { isUbootSafe, type UbootStringProblem, ubootStringProblem } from '../../schema/uboot-strings.js';
import { UbootError } from './errors.js';

// The rule itself lives in schema/ (schema cannot import builder), so validation and quoting agree.
export { isUbootSafe, type UbootStringProblem, ubootStringProblem };

/** `s` as one hush word that U-Boot hands to the command byte for byte. */
export function quoteUboot(s: string, where?: string): string {
  const bad = ubootStringProblem(s);
  if (bad) {
    throw new UbootError(
      'UNSAFE_STRING',
      `character ${JSON.stringify(s[bad.index])} at index ${bad.index} (${bad.problem}) cannot be quoted for U-Boot`,
      where,
      'use printable ASCII without single quotes or backslashes',
    );
  }
  return `'${s}'`;
}

const plainWord = /^[A-Za-z0-9_.,:+/@%=-]+$/;

/**
 * A word written without quotes (command names, device specs such as `mmc 0:1`, hex numbers).
 * Only characters that hush never treats specially are allowed; `=` cannot start the command
 * word (hush would take it as a variable assignment), which `ubootCommandWords` checks.
 */
export function isPlainUbootWord(s: string): boolean {
  return plainWord.test(s);
}

/** Splits a load command such as "load mmc 0:1" into plain words, or refuses it. */
export function ubootCommandWords(command: string, where?: string): string[] {
  const words = command.split(' ').filter((w) => w.length > 0);
  if (words.length === 0) throw new UbootError('UNSAFE_WORD', 'empty command', where);
  for (const w of words) {
    if (!isPlainUbootWord(w)) {
      throw new UbootError(
        'UNSAFE_WORD',
        `"${w}" is not a plain U-Boot word`,
        where,
        'letters, digits and _.,:+/@%=- only, words separated by single spaces',
      );
    }
  }
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(words[0]!))
    throw new UbootError('UNSAFE_WORD', `"${words[0]}" is not a command name`, where);
  return words;
}
