// The value grammar of each per-domain ImageBuilder variable (DOMU_X[n]), read into the form the
// config field of its registry control takes. Facts: uboot-script-gen (how each value is tested or
// written into the tree) and the upstream patches in reference/anchors.md §2.3.
import { hex, readColorRange, readCount, readFlag, readInt, readPairs, sizeText, words } from './values.js';

/** A decoded value; `undefined` means ImageBuilder writes nothing for it (the default). */
export type Decoded = { ok: true; value: unknown; note?: string } | { ok: false; reason: string };

/** One per-domain variable's value, in the config's form. */
export function decodeDomainValue(name: string, s: string): Decoded {
  switch (name) {
    case 'DOMU_MEM': {
      const r = readCount(s, 1 << 24);
      return r.ok ? { ok: true, value: `${r.value}M`, note: 'MB' } : r;
    }
    case 'DOMU_VCPUS': {
      const r = readCount(s, 4096);
      if (r.ok && r.value < 1) return { ok: false, reason: 'a domain needs at least one vCPU' };
      return r;
    }
    case 'DOMU_NR_SPIS':
    case 'DOMU_GRANT_VER':
    case 'DOMU_GRANT_FRAMES':
    case 'DOMU_MAPTRACK_FRAMES':
      return readCount(s, 0x7fffffff);
    case 'DOMU_P2M_MEM_MB': {
      const r = readCount(s, 1 << 20);
      return r.ok ? { ok: true, value: `${r.value}M`, note: 'MB' } : r;
    }
    case 'DOMU_VPL011': {
      // Upstream writes vpl011 unless the value is 0.
      const off = s.trim() === '0';
      return { ok: true, value: !off };
    }
    case 'DOMU_TRAP_UNMAP':
    case 'DOMU_DIRECT_MAP':
      return readFlag(s);
    case 'DOMU_DRIVER_DOMAIN': {
      const r = readFlag(s);
      return r.ok
        ? { ok: true, value: r.value, note: 'an xl setting: only a domain created from dom0 uses it' }
        : r;
    }
    case 'DOMU_ENHANCED': {
      const t = s.trim();
      if (t === '1') return { ok: true, value: 'enabled' };
      if (t === '2') return { ok: true, value: 'no-xenstore' };
      if (t === '0')
        return { ok: true, value: undefined, note: 'no xen,enhanced: the domain has no PV interfaces' };
      return { ok: false, reason: `"${s}" is not 0, 1 or 2` };
    }
    case 'DOMU_PASSTHROUGH_PROP': {
      const t = s.trim();
      if (t === 'enabled' || t === '1') return { ok: true, value: true };
      if (t === 'disabled' || t === '0') return { ok: true, value: false };
      return { ok: false, reason: `"${s}" is not enabled or disabled` };
    }
    case 'DOMU_CAPS': {
      const names = s.split(/[|,\s]+/).filter((w) => w !== '');
      const caps = new Set<string>();
      for (const w of names) {
        if (w === 'dom0') for (const c of ['control', 'hardware', 'xenstore']) caps.add(c);
        else if (w === 'control' || w === 'hardware' || w === 'xenstore') caps.add(w);
        else return { ok: false, reason: `"${w}" is not control, hardware, xenstore or dom0` };
      }
      if (caps.size === 0) return { ok: false, reason: 'no capability named' };
      return { ok: true, value: ['control', 'hardware', 'xenstore'].filter((c) => caps.has(c)) };
    }
    case 'DOMU_STATIC_MEM':
      return readPairs(s);
    case 'DOMU_CPUPOOL': {
      const r = readCount(s, 64);
      return r.ok ? { ok: true, value: r.value, note: 'resolved to the pool name below' } : r;
    }
    case 'DOMU_COLORS': {
      const r = readColorRange(s);
      if (!r.ok) return r;
      const text = r.value.start === r.value.end ? `${r.value.start}` : `${r.value.start}-${r.value.end}`;
      return {
        ok: true,
        value: text,
        note: "upstream Xen's llc-colors (ImageBuilder writes the Xilinx colors bitmask)",
      };
    }
    case 'DOMU_SHARED_MEM': {
      const w = words(s);
      if (w.length !== 3 && w.length !== 4)
        return { ok: false, reason: `"${s}" is not "ID [host-address] guest-address size"` };
      const nums = w.slice(1).map(readInt);
      const badNum = nums.find((x) => !x.ok);
      if (badNum && !badNum.ok) return badNum;
      const v = nums.map((x) => (x as { value: bigint }).value);
      const region: Record<string, unknown> = { id: w[0] };
      if (v.length === 3) region.host = hex(v[0]!);
      region.guest = hex(v[v.length - 2]!);
      region.size = sizeText(v[v.length - 1]!);
      return { ok: true, value: [region] };
    }
    case 'DOMU_STATIC_EVTCHNS': {
      const out: { port: number; peer: string; peerPort: number }[] = [];
      for (const part of s
        .split(';')
        .map((p) => p.trim())
        .filter((p) => p !== '')) {
        const w = words(part);
        if (w.length !== 3)
          return { ok: false, reason: `"${part}" is not "local-port remote-domU-index remote-port"` };
        const [lp, rd, rp] = w.map((x) => readCount(x, 4095));
        if (!lp!.ok || !rd!.ok || !rp!.ok)
          return { ok: false, reason: `"${part}" has a value that is not a number` };
        out.push({ port: lp!.value, peer: `domU${rd!.value}`, peerPort: rp!.value });
      }
      if (out.length === 0) return { ok: false, reason: 'no channel given' };
      return { ok: true, value: out, note: 'the remote index names domU<index>' };
    }
    default:
      return { ok: false, reason: `no reader for ${name} (an importer bug)` };
  }
}
