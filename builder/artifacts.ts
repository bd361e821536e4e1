// The only writer of the output folder. Everything goes into a fresh temporary folder next to the
// destination, then replaces it with renames, so a reader sees the old folder or the new one,
// never half of each; a failed build leaves the old folder as it was. Bytes come from
// buildSystem, which is deterministic, so two builds give identical folders.
//
// Replacing a folder deletes what was in it, so only a folder dombuild wrote itself is replaced:
// each output folder holds OUTPUT_MARKER, listing the files written there, and a folder with
// anything else in it is refused unless the caller forces it. Folders the caller names in `keep`
// (the working folder, the config's folder, home) and the filesystem root are never replaced.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';

/** The file that marks a folder as dombuild's output, listing the files dombuild wrote there. */
export const OUTPUT_MARKER = '.dombuild-output';
const MARKER_HEADER = '# Written by dombuild, which replaces this folder as a whole on the next build.\n';
/** An output folder has a few dozen files; more than this is not one of ours. */
const MAX_ENTRIES = 4096;

export class ArtifactsError extends Error {
  override name = 'ArtifactsError';
  constructor(
    message: string,
    readonly path: string,
    /** An errno code (ENOTDIR, EACCES...) or `output-protected` / `output-not-dombuild`. */
    readonly code?: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export interface WriteOptions {
  /** Replace an existing folder even when dombuild did not write it. */
  force?: boolean;
  /** Folders that must survive: the output may be neither one of them nor a folder holding one. */
  keep?: readonly string[];
}

/** Relative, normalised, no `..`: a file name inside the output folder. */
function checkName(name: string): string {
  const n = normalize(name);
  if (n === '' || isAbsolute(n) || n === '..' || n.startsWith(`..${sep}`) || n.includes(`${sep}..${sep}`))
    throw new ArtifactsError(`output name "${name}" leaves the output folder`, name);
  if (n === OUTPUT_MARKER) throw new ArtifactsError(`output name "${name}" is dombuild's own marker`, name);
  return n;
}

/** The marker's text: a header, then the written names, sorted, one per line. */
export function markerText(names: readonly string[]): string {
  const sorted = names.map((n) => n.split(sep).join('/')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return MARKER_HEADER + sorted.map((n) => `${n}\n`).join('');
}

/** Writes `files` as the whole content of `outDir` (created or replaced). Returns the names written. */
export async function writeArtifacts(
  files: ReadonlyMap<string, Uint8Array>,
  outDir: string,
  options: WriteOptions = {},
): Promise<string[]> {
  const names = [...files.keys()].map(checkName);
  const existing = await checkDestination(outDir, options);
  const parent = dirname(outDir);
  try {
    await mkdir(parent, { recursive: true });
  } catch (e) {
    throw new ArtifactsError(`cannot create ${parent}`, parent, (e as NodeJS.ErrnoException).code);
  }
  // mkdir, not mkdtemp: the folder gets the usual permissions (mkdtemp makes it private).
  const tmp = join(parent, `.${basename(outDir)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(tmp);
  } catch (e) {
    throw new ArtifactsError(`cannot create ${tmp}`, tmp, (e as NodeJS.ErrnoException).code);
  }
  try {
    for (const name of names) {
      const path = join(tmp, name);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, files.get(name) ?? files.get(name.split(sep).join('/'))!);
    }
    await writeFile(join(tmp, OUTPUT_MARKER), markerText(names));
    if (existing) {
      // Two renames: the old folder steps aside, the new one takes its name, the old one goes.
      const old = `${tmp}.old`;
      await rename(outDir, old);
      try {
        await rename(tmp, outDir);
      } catch (e) {
        await rename(old, outDir);
        throw e;
      }
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, outDir);
    }
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (e instanceof ArtifactsError) throw e;
    throw new ArtifactsError(`cannot write ${outDir}`, outDir, (e as NodeJS.ErrnoException).code);
  }
  return names;
}

/**
 * Decides whether `outDir` may be created or replaced, without changing anything; throws the
 * reason when not. Returns whether the folder exists. The CLI calls it before building, so a
 * refusal comes before the work; writeArtifacts calls it again before writing.
 */
export async function checkDestination(outDir: string, options: WriteOptions = {}): Promise<boolean> {
  const dest = resolve(outDir);
  const st = await stat(dest).catch(() => undefined);
  if (!st) {
    await checkAncestors(dest);
    return false;
  }
  if (!st.isDirectory())
    throw new ArtifactsError(`${dest} exists and is not a folder`, dest, 'ENOTDIR', 'choose a folder name');
  const real = await realpath(dest).catch(() => dest);
  if (dirname(real) === real)
    throw new ArtifactsError(
      `${dest} is the filesystem root; dombuild will not replace it`,
      dest,
      'output-protected',
    );
  for (const k of options.keep ?? []) {
    const kept = await realpath(k).catch(() => resolve(k));
    const rel = relative(real, kept);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel)))
      throw new ArtifactsError(
        `${dest} ${rel === '' ? 'is' : 'holds'} ${kept}; dombuild replaces its output folder as a whole and will not delete that`,
        dest,
        'output-protected',
        'name a new folder for the outputs, e.g. -o out (--force does not override this)',
      );
  }
  if (!options.force) await checkOurs(dest);
  return true;
}

/** The nearest existing ancestor must be a folder, or the output cannot be created under it. */
async function checkAncestors(dest: string): Promise<void> {
  for (let p = dirname(dest); ; p = dirname(p)) {
    const st = await stat(p).catch((e: NodeJS.ErrnoException) => e);
    if (st instanceof Error) {
      // ENOTDIR: an ancestor further up is a file; keep climbing to name it. Other errors are
      // reported with their own code when writing.
      if ((st.code === 'ENOENT' || st.code === 'ENOTDIR') && dirname(p) !== p) continue;
      return;
    }
    if (st.isDirectory()) return;
    throw new ArtifactsError(
      `${p} is a file, so ${dest} cannot be created under it`,
      dest,
      'ENOTDIR',
      `move ${p} away or choose another output folder`,
    );
  }
}

/** An existing folder may be replaced when it is empty or holds only what dombuild wrote there. */
async function checkOurs(dest: string): Promise<void> {
  const found = await listFiles(dest);
  if (found.length === 0) return;
  if (found.length > MAX_ENTRIES)
    throw new ArtifactsError(
      `${dest} holds more than ${MAX_ENTRIES} files; it is not a dombuild output folder`,
      dest,
      'output-not-dombuild',
      'choose an empty or new folder for the outputs',
    );
  const marker = await readFile(join(dest, OUTPUT_MARKER), 'utf8').catch(() => undefined);
  const refuse = (why: string) =>
    new ArtifactsError(
      `${dest} ${why}; dombuild replaces its output folder as a whole, which would delete it`,
      dest,
      'output-not-dombuild',
      `choose an empty or new folder, or pass --force to replace ${dest} and everything in it`,
    );
  if (marker === undefined || !marker.startsWith(MARKER_HEADER))
    throw refuse(
      `is not empty (${found.slice(0, 3).join(', ')}${found.length > 3 ? ', ...' : ''}) and was not written by dombuild (no ${OUTPUT_MARKER})`,
    );
  const written = new Set(marker.slice(MARKER_HEADER.length).split('\n').filter(Boolean));
  const foreign = found.filter((f) => f !== OUTPUT_MARKER && !written.has(f));
  if (foreign.length > 0)
    throw refuse(
      `holds ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}, which dombuild did not write`,
    );
}

/** Every non-folder entry under `dir`, as /-separated relative names; symlinks are not followed. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true }).catch(
      (e: NodeJS.ErrnoException) => {
        throw new ArtifactsError(`cannot read ${join(dir, rel)}`, join(dir, rel), e.code);
      },
    );
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (out.length > MAX_ENTRIES) return;
      if (e.isDirectory()) await walk(name);
      else out.push(name);
    }
  };
  await walk('');
  return out;
}
