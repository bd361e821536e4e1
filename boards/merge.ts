// Descriptor + DTB → one board. Rules: what the descriptor states explicitly wins (a board file
// may deliberately use less RAM than the DTB lists) but any disagreement is reported; what it
// leaves out is filled from the DTB; reserved ranges are the union of both. RAM a descriptor
// claims outside the DTB's /memory is an error: Xen only uses the RAM the DTB gives it.
import type { DtbFacts } from './from-dtb.js';
import type { Board, BoardDiagnostic, MemRange } from './types.js';

export function applyDtbFacts(
  board: Board,
  facts: DtbFacts,
): { board: Board; diagnostics: BoardDiagnostic[] } {
  const diagnostics: BoardDiagnostic[] = [];
  const out: Board = { ...board, reserved: [...board.reserved] };
  const mismatch = (what: string, ours: string, dtb: string) =>
    diagnostics.push({
      id: 'board-dtb-mismatch',
      severity: 'warning',
      message: `board ${board.name}: ${what} is ${ours} in the descriptor but ${dtb} in the DTB; using the descriptor's`,
      hint: 'make the board file and the DTB agree, or drop the field from the board file',
    });

  if (board.ram.length === 0) {
    out.ram = facts.ram;
    if (facts.ram.length === 0) {
      diagnostics.push({
        id: 'board-dtb-no-memory',
        severity: 'error',
        message: `board ${board.name}: the DTB has no /memory with a non-empty reg, and the board gives no RAM`,
        where: '/memory',
        hint: 'firmware fills /memory on some boards (Raspberry Pi): give memory in the board setting',
      });
    }
  } else if (facts.ram.length > 0) {
    if (fmtRanges(board.ram) !== fmtRanges(facts.ram))
      mismatch('RAM', fmtRanges(board.ram), fmtRanges(facts.ram));
    for (const r of board.ram) {
      if (!facts.ram.some((d) => r.start >= d.start && r.start + r.size <= d.start + d.size)) {
        diagnostics.push({
          id: 'board-dtb-mismatch',
          severity: 'error',
          message: `board ${board.name}: RAM ${fmtRanges([r])} is not inside any /memory bank of the DTB (${fmtRanges(facts.ram)})`,
          where: '/memory',
          hint: 'Xen uses only the RAM the DTB lists: fix the board file or the DTB',
        });
      }
    }
  }

  const seen = new Set(out.reserved.map((r) => `${r.start}:${r.size}`));
  for (const r of facts.reserved) {
    if (seen.has(`${r.start}:${r.size}`)) continue;
    seen.add(`${r.start}:${r.size}`);
    out.reserved.push(r);
  }

  if (board.cpus.length === 0) out.cpus = facts.cpus;
  else if (facts.cpus.length > 0) {
    const a = board.cpus.map((c) => `0x${c.id.toString(16)}`).join(',');
    const b = facts.cpus.map((c) => `0x${c.id.toString(16)}`).join(',');
    if (a !== b) mismatch('the CPU list', a, b);
  }

  if (!board.gic) {
    if (facts.gic) out.gic = facts.gic;
  } else if (facts.gic) {
    if (board.gic.version !== facts.gic.version && !(board.gic.version === 4 && facts.gic.version === 3)) {
      mismatch('the GIC version', `v${board.gic.version}`, `v${facts.gic.version}`);
    }
    out.gic = { ...board.gic, path: board.gic.path ?? facts.gic.path };
  }
  if (!out.gic && board.arch !== 'x86_64') {
    diagnostics.push({
      id: 'board-dtb-no-gic',
      severity: 'warning',
      message: `board ${board.name}: no GIC found in the DTB`,
      hint: 'give gic: 2 or gic: 3 in the board setting',
    });
  }

  if (board.console === undefined) {
    if (facts.console !== undefined) out.console = facts.console;
  } else if (facts.console !== undefined && facts.console !== board.console) {
    mismatch('the console', board.console, facts.console);
  }
  return { board: out, diagnostics };
}

function fmtRanges(rs: readonly MemRange[]): string {
  return rs.map((r) => `0x${r.start.toString(16)}+0x${r.size.toString(16)}`).join(', ');
}
