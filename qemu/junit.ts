// JUnit XML for CI systems: one <testsuite> per boot, one <testcase> per domain, a <failure> for
// each domain that did not come up (with the run's reason), the console as <system-out>.
import type { RunResult } from './runner.js';

function esc(text: string): string {
  // XML 1.0 cannot carry most control characters even escaped; consoles do contain them.
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export interface JunitSuite {
  /** Suite name, e.g. the config file and method. */
  name: string;
  result: RunResult;
}

export function junitXml(suites: JunitSuite[]): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  let tests = 0;
  let failures = 0;
  const body: string[] = [];
  for (const { name, result } of suites) {
    const failed = result.domains.filter(
      (d) => !d.met || (result.failure && result.failure.domain === d.domain),
    );
    tests += result.domains.length;
    failures += failed.length;
    body.push(
      `  <testsuite name="${esc(name)}" tests="${result.domains.length}" failures="${failed.length}" ` +
        `errors="0" time="${result.durationSeconds.toFixed(3)}">`,
    );
    for (const d of result.domains) {
      const time = (d.secondsToMet ?? result.durationSeconds).toFixed(3);
      body.push(`    <testcase classname="${esc(name)}" name="${esc(d.domain)}" time="${time}">`);
      if (failed.includes(d)) {
        const why = result.reason ?? 'expectation not met';
        body.push(`      <failure message="${esc(why)}" type="${result.outcome}">${esc(why)}</failure>`);
      }
      body.push('    </testcase>');
    }
    body.push(`    <system-out>${esc(result.console)}</system-out>`);
    body.push('  </testsuite>');
  }
  out.push(`<testsuites tests="${tests}" failures="${failures}">`, ...body, '</testsuites>', '');
  return out.join('\n');
}

/** A testcase judged by something other than the console monitor (a dom0's census, xl's result). */
export interface JunitCase {
  name: string;
  /** Why it failed; absent when it passed. */
  failure?: string;
}

/** One suite of the given cases, with the run's console as its output. */
export function junitCasesXml(suite: string, cases: readonly JunitCase[], result: RunResult): string {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const time = result.durationSeconds.toFixed(3);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${cases.length}" failures="${failures}">`,
    `  <testsuite name="${esc(suite)}" tests="${cases.length}" failures="${failures}" errors="0" time="${time}">`,
    ...cases.flatMap((c) => [
      `    <testcase classname="${esc(suite)}" name="${esc(c.name)}" time="${time}">`,
      ...(c.failure === undefined
        ? []
        : [`      <failure message="${esc(c.failure)}" type="verdict">${esc(c.failure)}</failure>`]),
      '    </testcase>',
    ]),
    `    <system-out>${esc(result.console)}</system-out>`,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
