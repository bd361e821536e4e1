// The tree the DTS compiler works on before it becomes a `Tree`. It mirrors the shape dtc builds
// while compiling: deleted nodes, properties and labels stay in place as tombstones (a later
// definition revives them where they were), values carry markers for labels and references
// until the reference fixups replace them, and nodes remember their phandle. Keeping that shape
// is what makes phandle numbering, property order and error cases come out as dtc's do.
import type { SourcePos } from './errors.js';
import type { ValueHint } from './tree.js';

export interface LiveLabel {
  name: string;
  deleted: boolean;
}

export type MarkerKind = 'label' | 'phandle' | 'path';

export interface Marker {
  kind: MarkerKind;
  offset: number;
  ref: string;
}

/** What one comma-separated piece of a value was, for the value's print hint. */
export type Piece = 'string' | 'bytes' | 'file' | 8 | 16 | 32 | 64;

export interface LiveValue {
  /** The value as it goes into the DTB; shared, never copied, with the Tree built from it. */
  bytes: Uint8Array;
  markers: Marker[];
  pieces: Piece[];
}

export interface LiveProp {
  name: string;
  value: LiveValue;
  /** Most recently added first, as dtc keeps them. */
  labels: LiveLabel[];
  deleted: boolean;
  pos?: SourcePos;
}

export class LiveNode {
  props: LiveProp[] = [];
  children: LiveNode[] = [];
  labels: LiveLabel[] = [];
  parent: LiveNode | undefined;
  deleted = false;
  phandle = 0;
  omitIfUnused = false;
  referenced = false;
  fullpath = '';
  /** Where the node's body starts (dtc reports node problems here). */
  pos?: SourcePos;
  /** Where the node's name is written, for the final tree. */
  namePos?: SourcePos;

  constructor(public name: string) {}

  get basename(): string {
    const at = this.name.indexOf('@');
    return at < 0 ? this.name : this.name.slice(0, at);
  }

  liveChildren(): LiveNode[] {
    return this.children.filter((c) => !c.deleted);
  }

  liveProps(): LiveProp[] {
    return this.props.filter((p) => !p.deleted);
  }

  getProp(name: string): LiveProp | undefined {
    for (const p of this.props) if (!p.deleted && p.name === name) return p;
    return undefined;
  }

  getChild(name: string): LiveNode | undefined {
    for (const c of this.children) if (!c.deleted && c.name === name) return c;
    return undefined;
  }

  addChild(child: LiveNode): void {
    child.parent = this;
    this.children.push(child);
  }

  /** Live nodes, parents first, in document order (iterative: deep trees stay off the JS stack). */
  walk(): LiveNode[] {
    const out: LiveNode[] = [];
    const stack: LiveNode[] = [this];
    while (stack.length > 0) {
      const n = stack.pop()!;
      out.push(n);
      for (let i = n.children.length - 1; i >= 0; i--)
        if (!n.children[i]!.deleted) stack.push(n.children[i]!);
    }
    return out;
  }
}

const NO_BYTES = new Uint8Array(0);

export function emptyValue(): LiveValue {
  return { bytes: NO_BYTES, markers: [], pieces: [] };
}

/** Adds a label unless present; a deleted one with the same name comes back instead. */
export function addLabel(labels: LiveLabel[], name: string): void {
  const old = labels.find((l) => l.name === name);
  if (old) {
    old.deleted = false;
    return;
  }
  labels.unshift({ name, deleted: false });
}

export function liveLabels(labels: LiveLabel[]): string[] {
  return labels.filter((l) => !l.deleted).map((l) => l.name);
}

function deleteLabels(labels: LiveLabel[]): void {
  for (const l of labels) l.deleted = true;
}

export function deleteProp(p: LiveProp): void {
  p.deleted = true;
  deleteLabels(p.labels);
}

export function deleteNode(node: LiveNode): void {
  node.deleted = true;
  for (const c of node.children) if (!c.deleted) deleteNode(c);
  for (const p of node.props) if (!p.deleted) deleteProp(p);
  deleteLabels(node.labels);
}

/**
 * Merges a later definition into an existing node: properties replace in place (or are appended),
 * deletions apply by name, children merge recursively, and the old node is revived.
 */
export function mergeNodes(old: LiveNode, add: LiveNode): LiveNode {
  old.deleted = false;
  for (const l of add.labels) addLabel(old.labels, l.name);
  for (const p of add.props) {
    if (p.deleted) {
      const victim = old.props.find((q) => q.name === p.name);
      if (victim) deleteProp(victim);
      continue;
    }
    const same = old.props.find((q) => q.name === p.name);
    if (same) {
      for (const l of p.labels) addLabel(same.labels, l.name);
      same.value = p.value;
      same.deleted = false;
    } else {
      old.props.push(p);
    }
  }
  for (const c of add.children) {
    if (c.deleted) {
      const victim = old.children.find((q) => q.name === c.name);
      if (victim) deleteNode(victim);
      continue;
    }
    const same = old.children.find((q) => q.name === c.name);
    if (same) mergeNodes(same, c);
    else old.addChild(c);
  }
  return old;
}

/** dtc's path lookup: exact names, first match, no backtracking. */
export function nodeByPath(tree: LiveNode, path: string): LiveNode | undefined {
  let node = tree;
  let rest = path;
  for (;;) {
    if (rest === '') return node.deleted ? undefined : node;
    rest = rest.replace(/^\/+/, '');
    const slash = rest.indexOf('/');
    const part = slash < 0 ? rest : rest.slice(0, slash);
    const next = node.children.find((c) => !c.deleted && c.name === part);
    if (!next) return undefined;
    if (slash < 0) return next;
    node = next;
    rest = rest.slice(slash + 1);
  }
}

export function nodeByLabel(tree: LiveNode, label: string): LiveNode | undefined {
  for (const n of tree.walk()) if (n.labels.some((l) => !l.deleted && l.name === label)) return n;
  return undefined;
}

/** A reference as written after `&`: "/" is the root, "/..." a path, anything else a label. */
export function nodeByRef(tree: LiveNode, ref: string): LiveNode | undefined {
  if (ref === '/') return tree;
  if (ref.startsWith('/')) return nodeByPath(tree, ref);
  return nodeByLabel(tree, ref);
}

export function fillFullpaths(node: LiveNode, prefix: string): void {
  node.fullpath = prefix.endsWith('/') ? prefix + node.name : `${prefix}/${node.name}`;
  for (const c of node.children) if (!c.deleted) fillFullpaths(c, node.fullpath);
}

/** The print hint for a value whose pieces are all of one kind. */
export function hintOf(pieces: Piece[]): ValueHint | undefined {
  if (pieces.length === 0) return undefined;
  const first = pieces[0]!;
  for (let i = 1; i < pieces.length; i++) if (pieces[i] !== first) return undefined;
  if (first === 'string') return pieces.length === 1 ? { kind: 'string' } : { kind: 'strings' };
  if (first === 'bytes') return { kind: 'bytes' };
  if (first === 'file') return undefined;
  return { kind: 'cells', bits: first };
}
