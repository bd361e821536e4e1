// The imported config as YAML text, each field commented with the ImageBuilder line it came from
// (or the default it writes out), through the yaml package's Document API so the comments sit on
// the nodes they describe.
import { Document, isCollection, isScalar, type Node } from 'yaml';
import { parsePathKey } from '../../schema/source.js';
import type { ImportReport } from '../report.js';

export interface YamlOptions {
  /** Name of the source in the header. */
  source: string;
  releaseReason?: string;
}

export function importedConfigYaml(
  config: Record<string, unknown>,
  report: ImportReport,
  opts: YamlOptions,
): string {
  const doc = new Document(config);
  const notes = new Map<string, string[]>();
  for (const m of report.mapped) {
    const where = m.at ? `${m.source}, line ${m.at.line}` : `${m.source} unset: ${m.note ?? 'the default'}`;
    for (const t of m.targets) {
      const list = notes.get(t) ?? [];
      list.push(where);
      notes.set(t, list);
    }
  }
  for (const [target, list] of notes) {
    const node = nodeAt(doc, target);
    if (!node) continue;
    const text = ` ${[...new Set(list)].join('; ')}`;
    // A scalar takes the comment on its own line end; a map or list gets it on the line above.
    if (isScalar(node)) node.comment = text;
    else if (isCollection(node)) node.commentBefore = text;
  }
  const dropped = report.dropped.length;
  doc.commentBefore = [
    ` Imported by dombuild from ${opts.source} (an ImageBuilder config).`,
    ' Each field names the ImageBuilder line it came from; "unset" fields are the defaults',
    ' ImageBuilder itself applies, written out.',
    ...(opts.releaseReason ? [` xen.release: ${opts.releaseReason}.`] : []),
    dropped > 0
      ? ` ${dropped} setting(s) were not imported; \`dombuild import imagebuilder\` lists them with the reason.`
      : ' Every setting was imported.',
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}

/** The node at a config path ('domains[0].memory', 'boot.overlays[1]'), or its nearest parent. */
function nodeAt(doc: Document, target: string): Node | undefined {
  const path = parsePathKey(target);
  // A target inside a value written as a bare string (kernel.load on "Image") comments the string.
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as Node | undefined;
    if (node) return node;
  }
  return undefined;
}
