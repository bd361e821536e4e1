// The one check table every command runs: the schema's checks on the typed config, then the checks
// whose rules live in later stages (the files a config names, the createdomain bytes Xen would
// refuse). validate, plan, build and run all run this table through runPipeline, so a config is
// valid for all of them or for none. Ids are stable; --warn/--error/--no-check and the docs take
// them from here.

import type { BoardFacts } from '../../schema/board-facts.js';
import type { Check, StagedFinding } from '../../schema/checks/check.js';
import { stagedCheck } from '../../schema/checks/check.js';
import { checkTable } from '../../schema/checks/index.js';
import type { Config } from '../../schema/config.js';
import type { Diagnostic } from '../../schema/diagnostic.js';
import { type CheckListing, renderSchemaDocs } from '../../schema/docs.js';
import { resolveArch } from '../../schema/validate.js';
import { CREATEDOMAIN_CHECKS } from '../../xen-formats/createdomain/problem-docs.js';
import { CREATEDOMAIN_RELEASES } from '../../xen-formats/createdomain/releases.js';
import { createDomainDiagnostics } from '../createdomain-args.js';

/** The files a config names; the resolver (image-files.ts) finds these while reading them. */
const IMAGE_CHECKS: readonly Check[] = [
  stagedCheck({
    id: 'image-missing',
    stage: 'images',
    // validate answers before a build system has produced the images; build raises it (it needs them).
    severity: 'warning',
    title: 'Every file the config names exists (build needs it; validate warns)',
  }),
  stagedCheck({
    id: 'image-unreadable',
    stage: 'images',
    title: 'Every file the config names can be read, and does not change while it is read',
  }),
  stagedCheck({
    id: 'image-empty',
    stage: 'images',
    title: 'No image is empty (Xen refuses a module of size 0)',
  }),
  stagedCheck({
    id: 'xen-image-release',
    stage: 'images',
    title: 'The Xen binary is the release xen.release names (read from its "xen,xen-X.Y" string on Arm)',
  }),
  stagedCheck({
    id: 'image-unknown-format',
    stage: 'images',
    severity: 'warning',
    title: 'Kernels are arm64 Images, zImages or gzip-compressed Images (else only the file size is planned)',
  }),
];

const CREATEDOMAIN_TABLE: readonly Check[] = CREATEDOMAIN_CHECKS.map((c) =>
  stagedCheck({ id: c.id, stage: 'createdomain', severity: c.severity, title: c.title, ref: c.ref }),
);

let table: readonly Check[] | undefined;

/** The whole ordered table: config checks, then image checks, then createdomain checks. */
export function pipelineChecks(): readonly Check[] {
  table ??= [...checkTable(), ...IMAGE_CHECKS, ...CREATEDOMAIN_TABLE];
  return table;
}

/** Every check id, in table order (--warn/--error/--no-check accept exactly these). */
export function pipelineCheckIds(): string[] {
  return pipelineChecks().map((c) => c.id);
}

/** The table as the docs list it. */
export function checkListing(): CheckListing[] {
  return pipelineChecks().map((c) => {
    const l: CheckListing = { id: c.id, severity: c.severity, title: c.title };
    if (c.ref !== undefined) l.ref = c.ref;
    return l;
  });
}

/** docs/schema.md, as `dombuild schema` prints it: the whole table, and the ABI's interface versions. */
export function schemaReference(): string {
  return renderSchemaDocs({
    checks: checkListing(),
    interfaceVersion: (release) => CREATEDOMAIN_RELEASES[release].interfaceVersion,
  });
}

/**
 * The createdomain stage: the arguments of every domain the config checks found no error in, and
 * what Xen would refuse in them. Like a check's `needs`, a domain whose config is already wrong
 * gets one diagnostic, not a second one about the same value's bytes. Only arm64 and x86_64 have a
 * createdomain layout.
 */
export function createdomainFindings(
  config: Config,
  board: BoardFacts | undefined,
  earlier: readonly Diagnostic[],
): StagedFinding[] {
  const arch = resolveArch(config, board);
  if (arch !== 'arm64' && arch !== 'x86_64') return [];
  const refused = new Set<number>();
  for (const d of earlier) {
    const m = /^domains\[(\d+)\]/.exec(d.path);
    if (m && d.severity === 'error') refused.add(Number(m[1]));
  }
  return createDomainDiagnostics(config, board ? { arch, board } : { arch })
    .filter((d) => {
      const m = /^domains\[(\d+)\]/.exec(d.path);
      return !(m && refused.has(Number(m[1])));
    })
    .map(toFinding);
}

/** A stage's diagnostic as a finding its table check reports; the severity is the table's. */
export function toFinding(d: Diagnostic): StagedFinding {
  const f: StagedFinding = { id: d.id, path: d.path, message: d.message };
  if (d.hint !== undefined) f.hint = d.hint;
  return f;
}
