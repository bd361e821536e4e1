// Seeds for fast-check samples drawn outside fc.assert (batched work such as one C compile for
// many specs, where fc.assert's own seed report does not apply). Each run draws a fresh seed so
// runs keep exploring, and every failure message names it; setting DOMBUILD_FC_SEED replays
// exactly that sample.
export function sampleSeed(): number {
  const fixed = process.env.DOMBUILD_FC_SEED;
  if (fixed !== undefined && fixed !== '') {
    const n = Number(fixed);
    if (!Number.isSafeInteger(n)) throw new Error(`DOMBUILD_FC_SEED must be an integer, got ${fixed}`);
    return n;
  }
  return Date.now() % 0x7fffffff;
}

/** For assertion messages: how to replay this sample. */
export function seedNote(seed: number): string {
  return `fast-check seed ${seed}; replay with DOMBUILD_FC_SEED=${seed}`;
}
