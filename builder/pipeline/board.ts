// The board stage's two conversions: Board → the facts the checks need (schema/board-facts.ts),
// and a board diagnostic → the one Diagnostic shape. They live in builder/, which may depend on
// both, so neither schema/ nor boards/ imports the other.
import type { Board, BoardDiagnostic } from '../../boards/types.js';
import type { Tree } from '../../devicetree/tree.js';
import type { BoardFacts } from '../../schema/board-facts.js';
import type { Diagnostic } from '../../schema/diagnostic.js';

/** `tree`: the board DTB when one was read, so checks can see its /aliases (dtuart=serial0). */
export function toBoardFacts(board: Board, tree?: Tree): BoardFacts {
  const facts: BoardFacts = {
    name: board.name,
    arch: board.arch,
    ramBanks: board.ram.map((r) => ({ base: r.start, size: r.size })),
    reserved: board.reserved.map((r) => ({ base: r.start, size: r.size, what: r.name })),
    // MPIDR affinity fits 40 bits, well inside a double.
    cpuIds: board.cpus.map((c) => Number(c.id)),
  };
  if (board.gic) {
    const version = board.gic.version === 2 ? 2 : 3; // GICv4 is a GICv3 to Xen's bindings
    facts.gic = board.gic.maxSpis === undefined ? { version } : { version, maxSpis: board.gic.maxSpis };
  }
  if (board.console !== undefined) facts.uart = { path: board.console };
  if (tree) facts.aliases = (tree.root.child('aliases')?.props ?? []).map((p) => p.name);
  return facts;
}

/**
 * At the config's `board` field; a board file's own position (a user board YAML) becomes the
 * location, and a place inside the board's tree (a node path) prefixes the message.
 */
export function boardDiagnostic(d: BoardDiagnostic): Diagnostic {
  const out: Diagnostic = { id: d.id, severity: d.severity, message: d.message, path: 'board' };
  if (d.hint !== undefined) out.hint = d.hint;
  const at = d.where === undefined ? undefined : /^(.*):(\d+):(\d+)$/.exec(d.where);
  if (at) {
    out.file = at[1] as string;
    out.line = Number(at[2]);
    out.col = Number(at[3]);
  } else if (d.where !== undefined && d.where !== 'board') out.message = `${d.where}: ${d.message}`;
  return out;
}
