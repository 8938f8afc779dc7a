/** A source of uniform numbers in [0, 1), injected so a decision depends only on its inputs and a seed. */
export type RandomSource = () => number;

/** The seed a Scheduler uses when it is given no random source. */
export const DEFAULT_SCHEDULER_SEED = 0x5eed;

/**
 * Mulberry32 (Tommy Ettinger, public domain): 32 bits of state, a full 2^32 period and good
 * enough spread for picking sample positions. Math.random cannot be seeded, so a run that
 * used it could not be replayed, in a test or from a bug report.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
