import { quantile, summarize, type Summary } from './stats.js';
import { formatGrid, ms, SUMMARY_HEADER, summaryCells } from './table.js';

/** One measured series: its samples (ms, rounded to µs) and their summary. */
export interface Series {
  metric: string;
  samplesMs: number[];
  summary: Summary;
}

export function series(metric: string, samplesMs: readonly number[]): Series {
  const rounded = samplesMs.map(toMicroseconds);
  return { metric, samplesMs: rounded, summary: summarize(rounded) };
}

/** Microseconds are plenty in a result file; a timer's last digits are noise. */
export function toMicroseconds(valueMs: number): number {
  return Math.round(valueMs * 1000) / 1000;
}

/** A reference column: the metric every row is divided by, and the column's short title. */
export interface ReferenceColumn {
  metric: string;
  title: string;
}

/**
 * An aligned text table (valid Markdown): metric, n, median, p90, min, max (ms, one decimal),
 * p99 when `opts.p99` (a goal stated at p99), then one column per reference with each row's
 * median divided by the reference's median (`x0.42`: 0.42 times the reference's time; `ref` on
 * the reference's own row). Every reference was measured in the same run.
 */
export function formatComparison(
  rows: readonly Series[],
  references: readonly ReferenceColumn[],
  opts: { p99?: boolean } = {},
): string {
  const byMetric = new Map(rows.map((r) => [r.metric, r]));
  for (const ref of references)
    if (!byMetric.has(ref.metric)) throw new RangeError(`reference row ${ref.metric} is not in the table`);
  const header = [...SUMMARY_HEADER, ...(opts.p99 === true ? ['p99'] : []), ...references.map((r) => `vs ${r.title}`)];
  const body = rows.map((r) => [
    ...summaryCells(r.metric, r.summary),
    ...(opts.p99 === true ? [ms(p99(r))] : []),
    ...references.map((ref) =>
      ref.metric === r.metric
        ? 'ref'
        : ratio(r.summary.medianMs, byMetric.get(ref.metric)?.summary.medianMs ?? Number.NaN),
    ),
  ]);
  return formatGrid(header, body);
}

/** A table of per-row phase medians: metric, n, then one column per phase. */
export function formatPhases(
  rows: ReadonlyArray<{ metric: string; n: number; phasesMs: readonly number[] }>,
  titles: readonly string[],
): string {
  const header = ['metric', 'n', ...titles];
  const body = rows.map((r) => [r.metric, String(r.n), ...r.phasesMs.map((v) => (Number.isFinite(v) ? ms(v) : '–'))]);
  return formatGrid(header, body);
}

/** The series' 99th percentile (linear interpolation, as the summary's p90). */
export function p99(s: Series): number {
  return quantile(
    [...s.samplesMs].sort((a, b) => a - b),
    0.99,
  );
}

function ratio(value: number, reference: number): string {
  return `x${(value / reference).toFixed(2)}`;
}

/** "+12.3" / "−4.5": a difference in ms as the goal lines state it. */
export function signedMs(value: number): string {
  return value < 0 ? `−${ms(-value)}` : `+${ms(value)}`;
}
