import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { junitXml } from '../../qemu/junit.js';
import type { RunResult } from '../../qemu/runner.js';
import { requireTools } from '../support/tools.js';

const result: RunResult = {
  ok: false,
  outcome: 'timeout',
  reason: 'timed out after 5 s; not up: <b>',
  domains: [
    { domain: 'a&1', met: true, secondsToMet: 0.4, secondsToFirstOutput: 0.3, matchedLine: 'UP' },
    { domain: '<b>', met: false },
  ],
  console: '(XEN) "hi" & <bye>\u0007\u001b[0m\n',
  stderr: '',
  durationSeconds: 5.01,
  command: { command: 'qemu-system-aarch64', args: [] },
};

const gate = requireTools(['xmllint'], 'apt-get install libxml2-utils (scripts/setup-system.sh)');

describe.skipIf(!gate.available)('junitXml', () => {
  it('is well-formed XML that counts and names the failing domain (xmllint)', () => {
    const xml = junitXml([{ name: 'minimal direct', result }]);
    const lint = spawnSync('xmllint', ['--noout', '-'], { input: xml, encoding: 'utf8' });
    expect(lint.stderr).toBe('');
    expect(lint.status).toBe(0);
    const q = (xpath: string) =>
      spawnSync('xmllint', ['--xpath', xpath, '-'], { input: xml, encoding: 'utf8' }).stdout.trim();
    expect(q('string(/testsuites/@tests)')).toBe('2');
    expect(q('string(/testsuites/@failures)')).toBe('1');
    expect(q('string(//testcase[failure]/@name)')).toBe('<b>');
    expect(q('string(//testcase[not(failure)]/@name)')).toBe('a&1');
    expect(q('string(//failure/@type)')).toBe('timeout');
    expect(q('string(//system-out)')).toContain('"hi" & <bye>');
  });
});
