// plan.json: the plan as stable JSON. Keys in a fixed order, addresses and sizes as 0x-prefixed
// hex strings (JSON numbers lose precision above 2^53), optional fields omitted when absent.
import { relative } from 'node:path';
import type { BootPlan, ExcludedRange, PlannedImage, RamBank } from './types.js';

export const PLAN_JSON_VERSION = 1;

export interface PlanJsonOptions {
  /** Write image file paths relative to this folder (the config's), so plan.json is portable. */
  relativeTo?: string;
}

export function planToJson(plan: BootPlan, opts: PlanJsonOptions = {}): string {
  const file = (f: string) => (opts.relativeTo === undefined ? f : relative(opts.relativeTo, f) || '.');
  const doc = {
    version: PLAN_JSON_VERSION,
    board: { name: plan.board.name, arch: plan.board.arch, ram: plan.board.ram.map(bank) },
    method: plan.method,
    alignment: hex(plan.alignment),
    xenAddress: hex(plan.xenAddress),
    dtbAddress: hex(plan.dtbAddress),
    ...(plan.scriptAddress !== undefined ? { scriptAddress: hex(plan.scriptAddress) } : {}),
    ...(plan.fitAddress !== undefined ? { fitAddress: hex(plan.fitAddress) } : {}),
    images: plan.images.map((i) => image(i, file)),
    excluded: plan.excluded.map(excluded),
    largestFreeGap: plan.largestFreeGap ? bank(plan.largestFreeGap) : null,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function image(i: PlannedImage, file: (f: string) => string) {
  return {
    name: i.name,
    role: i.role,
    ...(i.domain !== undefined ? { domain: i.domain } : {}),
    ...(i.file !== undefined ? { file: file(i.file) } : {}),
    address: hex(i.address),
    size: hex(i.size),
    effectiveSize: hex(i.effectiveSize),
    end: hex(i.address + i.effectiveSize),
    ...(i.sha256 !== undefined ? { sha256: i.sha256 } : {}),
    ...(i.placeholder ? { placeholder: true } : {}),
  };
}

function excluded(e: ExcludedRange) {
  return {
    name: e.name,
    reason: e.reason,
    start: hex(e.start),
    size: hex(e.size),
    end: hex(e.start + e.size),
  };
}

function bank(r: RamBank) {
  return { start: hex(r.start), size: hex(r.size) };
}

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}
