// The only writer of the output folder. Everything goes into a fresh temporary folder next to the
// destination, then replaces it with renames, so a reader sees the old folder or the new one,
// never half of each; a failed build leaves the old folder as it was. Bytes come from
// buildSystem, which is deterministic, so two builds give identical folders.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path';

export class ArtifactsError extends Error {
  override name = 'ArtifactsError';
  constructor(
    message: string,
    readonly path: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Relative, normalised, no `..`: a file name inside the output folder. */
function checkName(name: string): string {
  const n = normalize(name);
  if (n === '' || isAbsolute(n) || n === '..' || n.startsWith(`..${sep}`) || n.includes(`${sep}..${sep}`))
    throw new ArtifactsError(`output name "${name}" leaves the output folder`, name);
  return n;
}

/** Writes `files` as the whole content of `outDir` (created or replaced). Returns the names written. */
export async function writeArtifacts(
  files: ReadonlyMap<string, Uint8Array>,
  outDir: string,
): Promise<string[]> {
  const parent = dirname(outDir);
  const names = [...files.keys()].map(checkName);
  try {
    await mkdir(parent, { recursive: true });
  } catch (e) {
    throw new ArtifactsError(`cannot create ${parent}`, parent, (e as NodeJS.ErrnoException).code);
  }
  const existing = await stat(outDir).catch(() => undefined);
  if (existing && !existing.isDirectory())
    throw new ArtifactsError(`${outDir} exists and is not a folder`, outDir, 'ENOTDIR');
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
