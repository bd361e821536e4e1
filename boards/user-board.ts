// A user board: a YAML file describing what the DTB does not (U-Boot habits, reserved ranges the
// firmware keeps quiet about) next to the board's DTB. The schema lives here, not in schema/,
// because it describes boards, not systems.
import { isAbsolute, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { address, size } from '../schema/fields.js';
import type { Board, BoardDiagnostic } from './types.js';

const range = z.object({ base: address(), size: size() }).strict();

export const userBoardSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
      .describe('Board name as `dombuild boards` and plan.json show it'),
    description: z.string().max(200).optional(),
    arch: z.enum(['arm64', 'arm32']).describe('CPU architecture Xen runs in'),
    dtb: z.string().min(1).max(4096).describe("The board's DTB, relative to this file"),
    memory: z.array(range).min(1).max(16).optional().describe('RAM banks; default: /memory of the DTB'),
    reserved: z
      .array(range.extend({ name: z.string().min(1).max(64) }).strict())
      .max(64)
      .default([])
      .describe('Ranges no image may use, on top of /reserved-memory and /memreserve/'),
    gic: z
      .union([z.literal(2), z.literal(3), z.literal(4)])
      .optional()
      .describe('GIC version; default: from the DTB'),
    maxSpis: z.number().int().min(0).max(988).optional().describe('SPIs the GIC implements'),
    console: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe('Xen console UART path; default: /chosen/stdout-path'),
    uboot: z
      .object({
        load: z.string().min(1).max(256).default('tftpb').describe('Load command, e.g. "load mmc 0:1"'),
        scriptAddress: address().describe('Where U-Boot runs the boot script from (scriptaddr)'),
        scriptCapacity: size().prefault('1M'),
        relocationSize: size().prefault('64M').describe('RAM at the top that U-Boot keeps once relocated'),
      })
      .strict()
      .optional(),
  })
  .strict();

export type UserBoardInput = z.input<typeof userBoardSchema>;

/** Parses a board YAML file's text; `file` is its path (for the DTB path and for locations). */
export function parseUserBoard(
  text: string,
  file: string,
): { board?: Board; diagnostics: BoardDiagnostic[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const p = lc.linePos(offset);
    return `${file}:${p.line}:${p.col}`;
  };
  if (doc.errors.length > 0) {
    return {
      diagnostics: doc.errors.map((e) => ({
        id: 'board-yaml-invalid' as const,
        severity: 'error' as const,
        message: e.message.split('\n')[0]!,
        where: at(e.pos[0]),
      })),
    };
  }
  const parsed = userBoardSchema.safeParse(doc.toJS({ maxAliasCount: 50 }));
  if (!parsed.success) {
    return {
      diagnostics: parsed.error.issues.map((issue) => {
        const node = doc.getIn(issue.path as (string | number)[], true);
        const offset = isNode(node) && node.range ? node.range[0] : 0;
        return {
          id: 'board-yaml-invalid' as const,
          severity: 'error' as const,
          message: `${issue.path.join('.') || '(file)'}: ${issue.message}`,
          where: at(offset),
        };
      }),
    };
  }
  const y = parsed.data;
  const dir = resolve(file, '..');
  const board: Board = {
    name: y.name,
    description: y.description ?? `user board from ${file}`,
    arch: y.arch,
    ram: (y.memory ?? []).map((m) => ({ start: m.base, size: m.size })),
    reserved: y.reserved.map((r) => ({
      name: r.name,
      source: 'board-reserved',
      start: r.base,
      size: r.size,
    })),
    cpus: [],
    dtb: { kind: 'file', path: isAbsolute(y.dtb) ? y.dtb : resolve(dir, y.dtb) },
  };
  if (y.gic !== undefined)
    board.gic = y.maxSpis === undefined ? { version: y.gic } : { version: y.gic, maxSpis: y.maxSpis };
  if (y.console !== undefined) board.console = y.console;
  if (y.uboot) {
    board.uboot = {
      loadCommand: y.uboot.load,
      scriptAddress: y.uboot.scriptAddress,
      scriptCapacity: y.uboot.scriptCapacity,
      relocationSize: y.uboot.relocationSize,
    };
  }
  return { board, diagnostics: [] };
}
