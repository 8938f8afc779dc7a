// One `lb` side's wrk rounds as its table row shows them: the median of the rounds' requests/s,
// p50 and p99, and the totals of requests and errors. Shared by the proxies' table and the mesh's.
import type { WrkResult } from './lb-references.js';
import { quantile } from './stats.js';

export interface SideSummary {
  side: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

/** The median of `xs` (linear interpolation between the two middle ones); NaN when empty. */
export function median(xs: readonly number[]): number {
  return xs.length === 0
    ? Number.NaN
    : quantile(
        [...xs].sort((a, b) => a - b),
        0.5,
      );
}

export function summarizeSide(side: string, runs: readonly WrkResult[]): SideSummary {
  return {
    side,
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    requests: runs.reduce((s, r) => s + r.requests, 0),
    errors: runs.reduce((s, r) => s + r.errors, 0),
  };
}
