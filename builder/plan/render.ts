// Pictures of a plan: a table, a terminal bar per RAM bank, and an SVG memory map for design
// reviews. Pure string functions; the CLI decides where they go and whether to colour.
import { alignUp } from './free-list.js';
import { fmtSize, hex } from './planner.js';
import type { BootPlan, ExcludedRange, PlannedImage } from './types.js';

/** One row of the map: a placed image, an excluded range, or free RAM. */
export interface MapSegment {
  kind: 'image' | 'excluded' | 'free';
  name: string;
  /** Role of an image, reason of an exclusion, 'free'. */
  what: string;
  start: bigint;
  size: bigint;
}

/** Every RAM bank cut into segments in address order; overlapping exclusions are merged into the first. */
export function planSegments(plan: BootPlan): MapSegment[][] {
  const marks: MapSegment[] = [
    ...plan.images.map((i) => imageSeg(i)),
    ...plan.excluded.map((e) => excludedSeg(e)),
  ].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.kind === 'image' ? -1 : 1));
  return plan.board.ram.map((bank) => {
    const end = bank.start + bank.size;
    const out: MapSegment[] = [];
    let cursor = bank.start;
    for (const m of marks) {
      const s = m.start < bank.start ? bank.start : m.start;
      const e = m.start + m.size > end ? end : m.start + m.size;
      if (e <= s || e <= cursor) continue;
      const from = s < cursor ? cursor : s;
      if (from > cursor)
        out.push({ kind: 'free', name: 'free', what: 'free', start: cursor, size: from - cursor });
      out.push({ ...m, start: from, size: e - from });
      cursor = e;
    }
    if (cursor < end)
      out.push({ kind: 'free', name: 'free', what: 'free', start: cursor, size: end - cursor });
    return out;
  });
}

function imageSeg(i: PlannedImage): MapSegment {
  return { kind: 'image', name: i.name, what: i.role, start: i.address, size: i.effectiveSize };
}

function excludedSeg(e: ExcludedRange): MapSegment {
  return { kind: 'excluded', name: e.name, what: e.reason, start: e.start, size: e.size };
}

export function renderPlanTable(plan: BootPlan): string {
  const rows: string[][] = [['start', 'end', 'size', 'name', 'what']];
  const all = [
    ...plan.images.map((i) => ({ s: i.address, n: i.effectiveSize, name: i.name, what: roleText(i) })),
    ...plan.excluded.map((e) => ({ s: e.start, n: e.size, name: e.name, what: `excluded: ${e.reason}` })),
  ].sort((a, b) => (a.s < b.s ? -1 : a.s > b.s ? 1 : 0));
  for (const r of all) rows.push([hex16(r.s), hex16(r.s + r.n), fmtSize(r.n), r.name, r.what]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) =>
    r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '),
  );
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const head =
    `board ${plan.board.name} (${plan.board.arch}), method ${plan.method}, alignment ${fmtSize(plan.alignment)}\n` +
    `xen ${hex(plan.xenAddress)}  dtb ${hex(plan.dtbAddress)}` +
    (plan.scriptAddress !== undefined ? `  boot.scr ${hex(plan.scriptAddress)}` : '') +
    '\n';
  const gap = plan.largestFreeGap;
  const tail = gap ? `largest free gap: ${fmtSize(gap.size)} at ${hex(gap.start)}\n` : 'no free RAM left\n';
  return `${head}\n${lines.join('\n')}\n\n${tail}`;
}

function roleText(i: PlannedImage): string {
  const extra = i.effectiveSize > i.size ? ` (file ${fmtSize(i.size)})` : '';
  return `${i.role}${i.placeholder ? ', placeholder size' : ''}${extra}`;
}

function hex16(v: bigint): string {
  return `0x${v.toString(16).padStart(v > 0xffffffffn ? 16 : 8, '0')}`;
}

const ANSI: Record<string, string> = {
  xen: '\x1b[35m',
  dtb: '\x1b[36m',
  script: '\x1b[33m',
  fit: '\x1b[33m',
  kernel: '\x1b[32m',
  ramdisk: '\x1b[34m',
  'device-tree': '\x1b[36m',
  'xsm-policy': '\x1b[35m',
  excluded: '\x1b[31m',
  free: '\x1b[2m',
};
const RESET = '\x1b[0m';

/**
 * One bar per RAM bank, `width` cells wide. A cell shows the image it touches (an image of a few
 * bytes in gigabytes of RAM still gets its cell), else an exclusion, else free RAM. Each image
 * and exclusion gets a letter, explained in the legend under the bar.
 */
export function renderPlanBars(plan: BootPlan, opts: { width?: number; color?: boolean } = {}): string {
  const width = Math.max(16, opts.width ?? 72);
  const color = opts.color ?? false;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const letters = new Map<string, string>();
  plan.images.forEach((img, i) => {
    letters.set(img.name, alphabet[i % alphabet.length]!);
  });
  const symbolOf = (seg: MapSegment) =>
    seg.kind === 'free' ? '.' : seg.kind === 'excluded' ? '#' : (letters.get(seg.name) ?? '?');
  const paint = (ch: string, seg: MapSegment) =>
    color ? `${ANSI[seg.kind === 'image' ? seg.what : seg.kind] ?? ''}${ch}${RESET}` : ch;
  const bars: string[] = [];
  const legend: string[] = [];
  const banks = planSegments(plan);
  const bar = (segs: MapSegment[], start: bigint, size: bigint) => {
    let out = '';
    for (let c = 0; c < width; c++) {
      const cs = start + (size * BigInt(c)) / BigInt(width);
      const ce = start + (size * BigInt(c + 1)) / BigInt(width);
      let best: MapSegment | undefined;
      let bestRank = -1;
      for (const seg of segs) {
        if (seg.start >= ce || seg.start + seg.size <= cs) continue;
        const rank = seg.kind === 'image' ? 2 : seg.kind === 'excluded' ? 1 : 0;
        // Among images the smallest wins its cell, so a 136-byte guest next to Xen stays visible.
        if (rank > bestRank || (rank === 2 && best && seg.size < best.size)) [best, bestRank] = [seg, rank];
      }
      out += best ? paint(symbolOf(best), best) : ' ';
    }
    return `${hex(start)} |${out}| ${hex(start + size)}`;
  };
  plan.board.ram.forEach((bank, bi) => {
    const segs = banks[bi]!;
    bars.push(bar(segs, bank.start, bank.size));
    // Images are small next to RAM: when they sit in a small part of the bank, zoom in on it.
    const imgs = segs.filter((s) => s.kind === 'image');
    if (imgs.length > 1) {
      const lo = imgs[0]!.start;
      const last = imgs[imgs.length - 1]!;
      const span = alignUp(last.start + last.size - lo, plan.alignment);
      if (span * 8n < bank.size) bars.push(`${bar(segs, lo, span)}  (zoom)`);
    }
    for (const seg of segs) {
      if (seg.kind === 'free') continue;
      legend.push(
        `  ${paint(symbolOf(seg), seg)} ${seg.name.padEnd(24)} ${hex(seg.start).padEnd(12)} ${fmtSize(seg.size).padStart(10)}  ${seg.what}`,
      );
    }
  });
  return `${bars.join('\n')}\n${legend.join('\n')}\n  ${paint('.', { kind: 'free', name: 'free', what: 'free', start: 0n, size: 0n })} free RAM\n`;
}

const SVG_FILL: Record<string, string> = {
  xen: '#b07cc6',
  'xsm-policy': '#c9a0dc',
  dtb: '#6cc3d5',
  'device-tree': '#9ad9e6',
  script: '#f3c969',
  fit: '#f7dc9b',
  kernel: '#7bc47f',
  ramdisk: '#7aa6da',
  excluded: '#e58f8f',
  free: '#f4f4f4',
};

/**
 * A vertical memory map, lowest address at the bottom as datasheets draw it. Row heights grow
 * with the logarithm of the size, so a 4 KiB script and 2 GiB of free RAM are both legible.
 */
export function renderPlanSvg(plan: BootPlan): string {
  const W = 720;
  const boxX = 170;
  const boxW = 260;
  const rows: { seg: MapSegment; h: number }[] = [];
  const banks = planSegments(plan);
  for (const segs of banks) for (const seg of [...segs].reverse()) rows.push({ seg, h: rowHeight(seg.size) });
  const title = 40;
  const bankGap = 16;
  const H = title + rows.reduce((n, r) => n + r.h, 0) + bankGap * banks.length + 20;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans Mono, monospace" font-size="12">`,
  );
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(
    `<text x="10" y="22" font-size="15" font-weight="bold">${esc(
      `${plan.board.name}: ${plan.method} boot, alignment ${fmtSize(plan.alignment)}`,
    )}</text>`,
  );
  let y = title;
  // Highest bank first (top of the picture), each drawn high address to low.
  for (let b = banks.length - 1; b >= 0; b--) {
    const segs = [...banks[b]!].reverse();
    const bank = plan.board.ram[b]!;
    parts.push(
      `<text x="${boxX - 8}" y="${y + 9}" text-anchor="end" fill="#333333">${hex(bank.start + bank.size)}</text>`,
    );
    for (const seg of segs) {
      const h = rowHeight(seg.size);
      const fill = SVG_FILL[seg.kind === 'image' ? seg.what : seg.kind] ?? '#cccccc';
      parts.push(
        `<rect x="${boxX}" y="${y}" width="${boxW}" height="${h}" fill="${fill}" stroke="#333333" stroke-width="1"/>`,
      );
      if (seg.kind === 'excluded') {
        parts.push(
          `<line x1="${boxX}" y1="${y + h}" x2="${boxX + boxW}" y2="${y}" stroke="#a04040" stroke-width="0.8"/>`,
        );
      }
      const label = seg.kind === 'free' ? `free ${fmtSize(seg.size)}` : `${seg.name} ${fmtSize(seg.size)}`;
      parts.push(`<text x="${boxX + 8}" y="${y + h / 2 + 4}">${esc(label)}</text>`);
      parts.push(`<text x="${boxX + boxW + 10}" y="${y + h / 2 + 4}" fill="#555555">${esc(seg.what)}</text>`);
      parts.push(
        `<text x="${boxX - 8}" y="${y + h}" text-anchor="end" fill="#333333">${hex(seg.start)}</text>`,
      );
      y += h;
    }
    y += bankGap;
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function rowHeight(size: bigint): number {
  const log = Math.log2(Number(size > 0n ? size : 1n));
  return Math.round(Math.min(90, Math.max(20, (log - 10) * 4)));
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
