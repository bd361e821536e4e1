// Board → the facts schema's validation needs (schema/board.ts). It lives in builder/, which may
// depend on both, so neither schema/ nor boards/ imports the other.
import type { Board } from '../boards/types.js';
import type { Tree } from '../devicetree/tree.js';
import type { BoardFacts } from '../schema/board.js';

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
