import { listBoards } from '../../boards/catalog.js';
import type { CliIO } from '../io.js';

export async function runBoards(args: Record<string, unknown>, io: CliIO): Promise<number> {
  const boards = listBoards();
  if (args.json) {
    io.stdout(`${JSON.stringify(boards, null, 2)}\n`);
    return 0;
  }
  const rows = [
    ['name', 'arch', 'RAM', 'CPUs', 'GIC', 'DTB', 'parameters'],
    ...boards.map((b) => [
      b.name,
      b.arch,
      b.ram,
      b.cpus,
      b.gic,
      b.noDtb ? 'none (x86)' : b.needsUserDtb ? 'yours (required)' : 'built in',
      b.params,
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
  io.stdout(
    `${lines.join('\n')}\n\nUse one with board: <name> in the config or --board <name>[:ram=4G,cpus=4,gic=2].\n`,
  );
  return 0;
}
