import type { Summary } from './stats.js';

export interface TableRow {
  metric: string;
  summary: Summary;
  /** The metric of the row this one is compared with; that row shows `ref`. */
  reference?: string;
}

/**
 * An aligned text table (also valid Markdown): metric, n, median, p90, min, max (ms, one
 * decimal) and `vs ref`, the median's difference and ratio to the row's reference row. The
 * reference is measured in the same run, never quoted from an older one.
 */
export function formatTable(rows: readonly TableRow[]): string {
  const byMetric = new Map(rows.map((r) => [r.metric, r]));
  const referenced = new Set(rows.map((r) => r.reference).filter((m): m is string => m !== undefined));
  const header = ['metric', 'n', 'median', 'p90', 'min', 'max', 'vs ref'];
  const body = rows.map((r) => {
    const ref = r.reference === undefined ? undefined : byMetric.get(r.reference);
    if (r.reference !== undefined && ref === undefined) throw new RangeError(`reference row ${r.reference} is not in the table`);
    return [
      r.metric,
      String(r.summary.n),
      ms(r.summary.medianMs),
      ms(r.summary.p90Ms),
      ms(r.summary.minMs),
      ms(r.summary.maxMs),
      ref !== undefined ? versus(r.summary.medianMs, ref.summary.medianMs) : referenced.has(r.metric) ? 'ref' : '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] ?? '').length)));
  // the metric column reads left to right; numbers line up on the right
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}

/** Milliseconds with one decimal, as the tables show them. */
export function ms(value: number): string {
  return value.toFixed(1);
}

/** "+12.3 ms (x1.03)": the difference first, since a budget is stated in ms. */
function versus(medianMs: number, refMedianMs: number): string {
  const diff = medianMs - refMedianMs;
  const sign = diff >= 0 ? '+' : '−';
  return `${sign}${ms(Math.abs(diff))} ms (x${(medianMs / refMedianMs).toFixed(2)})`;
}
