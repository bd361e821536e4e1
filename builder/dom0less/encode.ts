// Registry DT encodings → property values. One function per encoding kind (data in the registry
// says which kind a control uses); nothing here names a feature.
import { value } from '../../devicetree/tree.js';
import { formatRangeList } from '../../schema/fields.js';
import { DT_CONSTANTS, type DtEncoding } from '../../schema/registry.js';

const KiB = 1024n;
const MiB = 1024n * 1024n;

export type Encoded =
  | { kind: 'omit' }
  | { kind: 'prop'; value: Uint8Array; hint: 'string' | 'cells' | 'empty' }
  /** Needs context the encoder does not have (cpupool phandles, child nodes, modules). */
  | { kind: 'structural' };

export class EncodeError extends Error {
  override name = 'EncodeError';
}

const cells = (v: Uint8Array): Encoded => ({ kind: 'prop', value: v, hint: 'cells' });
const str = (s: string): Encoded => ({ kind: 'prop', value: value.string(s), hint: 'string' });

/** The property a scalar control becomes, for the given config value (never undefined). */
export function encodeDtValue(dt: DtEncoding, v: unknown): Encoded {
  switch (dt.kind) {
    case 'flag':
      return v === true ? { kind: 'prop', value: value.empty(), hint: 'empty' } : { kind: 'omit' };
    case 'u32':
      return cells(value.u32(asNumber(v, dt)));
    case 'bool-u32':
      if (typeof v !== 'boolean') throw new EncodeError(`${dt.prop}: expected a boolean`);
      return cells(value.u32(v ? 1 : 0));
    case 'u64-kib': {
      const b = asBigint(v, dt);
      if (b % KiB !== 0n) throw new EncodeError(`${dt.prop}: ${b} bytes is not a whole KiB`);
      return cells(value.u64(b / KiB));
    }
    case 'u32-mib': {
      const b = asBigint(v, dt);
      if (b % MiB !== 0n) throw new EncodeError(`${dt.prop}: ${b} bytes is not a whole MiB`);
      return cells(value.u32(Number(b / MiB)));
    }
    case 'string': {
      const key = String(v);
      const mapped = dt.values ? dt.values[key] : key;
      if (mapped === undefined) throw new EncodeError(`${dt.prop}: no encoding for "${key}"`);
      return mapped === null ? { kind: 'omit' } : str(mapped);
    }
    case 'bitmask': {
      if (!Array.isArray(v)) throw new EncodeError(`${dt.prop}: expected a list`);
      let mask = 0;
      for (const item of v) {
        const name = dt.values?.[String(item)];
        const bit = name ? DT_CONSTANTS[name] : undefined;
        if (bit === undefined) throw new EncodeError(`${dt.prop}: no constant for "${String(item)}"`);
        mask |= bit;
      }
      return mask === 0 ? { kind: 'omit' } : cells(value.u32(mask));
    }
    case 'range-string':
      if (!Array.isArray(v) || !v.every((n) => typeof n === 'number'))
        throw new EncodeError(`${dt.prop}: expected a number list`);
      return str(formatRangeList(v as number[]));
    case 'sve':
      if (v === 'max') return { kind: 'prop', value: value.empty(), hint: 'empty' };
      if (v === 0) return { kind: 'omit' };
      return cells(value.u32(asNumber(v, dt)));
    case 'reg-list': {
      if (!Array.isArray(v)) throw new EncodeError(`${dt.prop}: expected a list of banks`);
      const parts = (v as { base: bigint; size: bigint }[]).flatMap((b) => [b.base, b.size]);
      return cells(value.u64(...parts));
    }
    case 'cpupool-phandle':
    case 'child-nodes':
    case 'module':
      return { kind: 'structural' };
  }
}

function asNumber(v: unknown, dt: DtEncoding): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw new EncodeError(`${dt.prop}: ${String(v)} is not a u32`);
  return v;
}

function asBigint(v: unknown, dt: DtEncoding): bigint {
  if (typeof v !== 'bigint' || v < 0n) throw new EncodeError(`${dt.prop}: ${String(v)} is not a size`);
  return v;
}
