/** How far back the usage charts look: samples older than this are dropped. */
export const HISTORY_MS = 10 * 60_000;
/** Samples a series keeps at most, whatever their times (a page opened and left many times). */
const MAX_SAMPLES = 240;

/** A usage series: `t` in seconds since the epoch (as uPlot wants), cpu and memory beside it. */
export interface UsageSeries {
  readonly t: readonly number[];
  readonly cpu: readonly number[];
  readonly mem: readonly number[];
}

const EMPTY: UsageSeries = { t: [], cpu: [], mem: [] };

/**
 * The cpu and memory samples the task and node pages took while open, by what they sampled
 * ("task:<id>", "node:<id>"), for the last ten minutes. It lives as long as the signed-in page, so
 * coming back to a task or node shows what was sampled before, as Nomad's UI keeps its stats
 * trackers across routes; the manager keeps no history to ask for.
 */
export class UsageHistory {
  readonly #series = new Map<string, UsageSeries>();

  get(key: string): UsageSeries {
    return this.#series.get(key) ?? EMPTY;
  }

  /** Adds one sample taken at `atMs`, drops what is older than HISTORY_MS, and returns the series. */
  add(key: string, atMs: number, cpu: number, mem: number): UsageSeries {
    const old = this.get(key);
    const from = (atMs - HISTORY_MS) / 1000;
    let keep = old.t.findIndex((t) => t >= from);
    if (keep < 0) keep = old.t.length;
    keep = Math.max(keep, old.t.length + 1 - MAX_SAMPLES);
    const next: UsageSeries = {
      t: [...old.t.slice(keep), atMs / 1000],
      cpu: [...old.cpu.slice(keep), cpu],
      mem: [...old.mem.slice(keep), mem],
    };
    this.#series.set(key, next);
    this.#forgetOlderThan(from);
    return next;
  }

  /** Series whose newest sample is past the window go entirely (tasks long gone, nodes removed). */
  #forgetOlderThan(fromSec: number): void {
    for (const [key, s] of this.#series) {
      const newest = s.t[s.t.length - 1];
      if (newest === undefined || newest < fromSec) this.#series.delete(key);
    }
  }
}
