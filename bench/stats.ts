/** The summary every benchmark table row shows, in milliseconds. */
export interface Summary {
  n: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
  maxMs: number;
}

/**
 * The q-quantile (0..1) of `sorted` by linear interpolation between closest ranks (numpy's
 * default), so the median of an even count is the mean of the two middle samples.
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no samples');
  const pos = (sorted.length - 1) * q;
  const lower = Math.floor(pos);
  const below = sorted[lower] ?? Number.NaN;
  const above = sorted[Math.min(lower + 1, sorted.length - 1)] ?? below;
  return below + (above - below) * (pos - lower);
}

/** Median, p90, min and max of samples in ms; throws on an empty series (a bench bug). */
export function summarize(samplesMs: readonly number[]): Summary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    n: sorted.length,
    medianMs: quantile(sorted, 0.5),
    p90Ms: quantile(sorted, 0.9),
    minMs: quantile(sorted, 0),
    maxMs: quantile(sorted, 1),
  };
}
