// A diff as text for people and as the documented JSON document (format dombuild-diff, version 1;
// README "dombuild diff"). Files are shown relative to the folder the user stands in.
import { relative } from 'node:path';
import {
  type Change,
  DIFF_FORMAT,
  DIFF_FORMAT_VERSION,
  type DiffResult,
  type SideSummary,
  type SourceLocation,
} from './model.js';

export interface RenderOptions {
  /** Files are printed relative to this folder. */
  cwd: string;
}

const shown = (file: string, cwd: string) => {
  const r = relative(cwd, file);
  return r === '' || r.startsWith('..') ? file : r;
};

function where(l: SourceLocation | undefined, cwd: string): string | undefined {
  return l ? `${shown(l.file, cwd)}:${l.line}:${l.col}` : undefined;
}

function side(s: SideSummary, cwd: string): string {
  return `${shown(s.file, cwd)} (Xen ${s.release}${s.releaseFromFlag ? ' by --release' : ''}, ${s.board}, ${s.arch})`;
}

const value = (v: string | null) => (v === null ? '(absent)' : v);

function changeLine(c: Change): string {
  return `  ${c.guestVisible ? '!' : ' '} ${c.kind} ${c.item}: ${value(c.a)} -> ${value(c.b)}`;
}

function causeLine(c: Change, cwd: string): string {
  const la = where(c.at.a, cwd);
  const lb = where(c.at.b, cwd);
  const at = la === lb ? la : [la && `a ${la}`, lb && `b ${lb}`].filter(Boolean).join(', ');
  const verdict = c.guestVisible ? 'guest-visible' : 'not guest-visible';
  return `      ${verdict}: ${c.control}${at ? ` at ${at}` : ''} (${c.reason})`;
}

/** Changes with one cause in a row share its line: a release's nine layout moves say why once. */
function groupLines(changes: readonly Change[], cwd: string): string[] {
  const out: string[] = [];
  changes.forEach((c, i) => {
    out.push(changeLine(c));
    const cause = causeLine(c, cwd);
    const next = changes[i + 1];
    if (!next || causeLine(next, cwd) !== cause) out.push(cause);
  });
  return out;
}

/** The text report: a heading, each group with its changes, and the verdict as the last line. */
export function renderText(d: DiffResult, opts: RenderOptions): string {
  const lines = [`a: ${side(d.a, opts.cwd)}`, `b: ${side(d.b, opts.cwd)}`];
  for (const g of d.groups) {
    lines.push('', g.name === null ? 'system (Xen, /chosen, the createdomain ABI)' : `domain ${g.name}`);
    lines.push(...groupLines(g.changes, opts.cwd));
  }
  const visible = d.groups.filter((g) => g.changes.some((c) => c.guestVisible));
  const count = d.groups.reduce((n, g) => n + g.changes.length, 0);
  lines.push('');
  if (count === 0) lines.push('no differences');
  else if (visible.length === 0) lines.push(`no guest-visible change (${count} change(s) no guest sees)`);
  else
    lines.push(
      `guest-visible changes in: ${visible.map((g) => (g.name === null ? 'the system' : g.name)).join(', ')}`,
    );
  return `${lines.join('\n')}\n`;
}

/** The JSON document: stable key order, locations with files relative to `cwd`. */
export function renderJson(d: DiffResult, opts: RenderOptions): string {
  const loc = (l: SourceLocation | undefined) => l && { ...l, file: shown(l.file, opts.cwd) };
  const summary = (s: SideSummary) => ({
    file: shown(s.file, opts.cwd),
    release: s.release,
    releaseFromFlag: s.releaseFromFlag,
    arch: s.arch,
    board: s.board,
  });
  const doc = {
    format: DIFF_FORMAT,
    version: DIFF_FORMAT_VERSION,
    a: summary(d.a),
    b: summary(d.b),
    guestVisible: d.guestVisible,
    groups: d.groups.map((g) => ({
      domain: g.name,
      changes: g.changes.map((c) => ({
        kind: c.kind,
        item: c.item,
        a: c.a,
        b: c.b,
        control: c.control,
        registry: c.registry,
        guestVisible: c.guestVisible,
        reason: c.reason,
        at: { a: loc(c.at.a) ?? null, b: loc(c.at.b) ?? null },
      })),
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
