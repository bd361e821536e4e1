// Where each config value came from. Offsets travel with the parsed document; only `locate` turns
// a field path into file:line:col (yaml's LineCounter idea: line starts once, binary search).
import { type Document, isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import { type Diagnostic, formatPath } from './diagnostic.js';

export type PathSegment = string | number;

export class ConfigSource {
  private lineStarts: number[] | undefined;
  /** Field paths produced by params (`domains[0].vpl011`) → the params item they came from. */
  readonly aliases = new Map<string, PathSegment[]>();

  constructor(
    readonly file: string,
    readonly text: string,
    private readonly doc?: Document,
  ) {}

  /** Byte range of the value at `path`, or of its closest ancestor that exists. */
  rangeOf(path: readonly PathSegment[]): [number, number] | undefined {
    const alias = this.aliases.get(pathKey(path));
    if (alias) return this.rangeOf(alias);
    if (!this.doc?.contents) return undefined;
    let node: unknown = this.doc.contents;
    let best = nodeRange(node);
    for (let i = 0; i < path.length; i++) {
      const next = child(node, path[i]!);
      if (next === undefined) break;
      // A whole section is pointed at by its key, not by its first line.
      const key = isMap(next) || isSeq(next) ? this.keyRangeOf(path.slice(0, i + 1)) : undefined;
      node = next;
      best = key ?? nodeRange(node) ?? best;
    }
    return best;
  }

  /** Whether the document itself gives a value at `path` (not a default the schema filled in). */
  has(path: readonly PathSegment[]): boolean {
    return this.aliases.has(pathKey(path)) || this.nodeAt(path) !== undefined;
  }

  /** Byte range of the key (not the value) at `path`, for unknown-key diagnostics. */
  keyRangeOf(path: readonly PathSegment[]): [number, number] | undefined {
    if (!this.doc?.contents || path.length === 0) return undefined;
    const parent = this.nodeAt(path.slice(0, -1));
    const last = path[path.length - 1];
    if (isMap(parent)) {
      for (const item of parent.items) {
        if (isPair(item) && isScalar(item.key) && item.key.value === last) return nodeRange(item.key);
      }
    }
    return undefined;
  }

  private nodeAt(path: readonly PathSegment[]): unknown {
    let node: unknown = this.doc?.contents;
    for (const seg of path) {
      node = child(node, seg);
      if (node === undefined) return undefined;
    }
    return node;
  }

  /** 1-based line and column of a byte offset. */
  linePos(offset: number): { line: number; col: number } {
    if (!this.lineStarts) {
      const starts = [0];
      for (let i = 0; i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) starts.push(i + 1);
      this.lineStarts = starts;
    }
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo]! + 1 };
  }

  /** The text of a 1-based line, without its newline. */
  lineText(line: number): string {
    this.linePos(0);
    const start = this.lineStarts![line - 1];
    if (start === undefined) return '';
    const end = this.text.indexOf('\n', start);
    return this.text.slice(start, end < 0 ? undefined : end).replace(/\r$/, '');
  }
}

function child(node: unknown, seg: PathSegment): unknown {
  if (isMap(node)) {
    for (const item of node.items) {
      if (isPair(item) && isScalar(item.key) && item.key.value === seg) return item.value ?? item.key;
    }
    return undefined;
  }
  if (isSeq(node) && typeof seg === 'number') return node.items[seg];
  return undefined;
}

function nodeRange(node: unknown): [number, number] | undefined {
  const r = (node as Node | undefined)?.range;
  return r ? [r[0], r[1]] : undefined;
}

/** 'domains[1].memory' ⇄ ['domains', 1, 'memory']. */
export const pathKey = formatPath;

export function parsePathKey(key: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const m of key.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

/** Fills file/line/col/range of diagnostics that have a path but no location yet. */
export function locate(diags: Diagnostic[], source: ConfigSource | undefined): Diagnostic[] {
  if (!source) return diags;
  return diags.map((d) => {
    if (d.line !== undefined || (d.file !== undefined && d.file !== source.file)) return d;
    const range = d.range ?? source.rangeOf(parsePathKey(d.path));
    if (!range) return { ...d, file: source.file };
    const { line, col } = source.linePos(range[0]);
    return { ...d, file: source.file, line, col, range };
  });
}
