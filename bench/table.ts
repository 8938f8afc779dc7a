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
  const body = rows.map((r) => {
    const ref = r.reference === undefined ? undefined : byMetric.get(r.reference);
    if (r.reference !== undefined && ref === undefined)
      throw new RangeError(`reference row ${r.reference} is not in the table`);
    return [
      ...summaryCells(r.metric, r.summary),
      ref !== undefined ? versus(r.summary.medianMs, ref.summary.medianMs) : referenced.has(r.metric) ? 'ref' : '',
    ];
  });
  return formatGrid([...SUMMARY_HEADER, 'vs ref'], body);
}

/** The columns every timing table starts with; `summaryCells` fills them. */
export const SUMMARY_HEADER = ['metric', 'n', 'median', 'p90', 'min', 'max'] as const;

/** A row's metric, sample count, and median, p90, min and max in ms. */
export function summaryCells(metric: string, summary: Summary): string[] {
  return [metric, String(summary.n), ms(summary.medianMs), ms(summary.p90Ms), ms(summary.minMs), ms(summary.maxMs)];
}

/**
 * An aligned text table (also valid Markdown) of ready-made cells, one column per header cell:
 * the first column reads left to right, the others (numbers) line up on the right. Every table a
 * benchmark prints goes through here.
 */
export function formatGrid(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((cells) => (cells[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${widths.map((w, i) => (i === 0 ? (cells[i] ?? '').padEnd(w) : (cells[i] ?? '').padStart(w))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Milliseconds with one decimal, as the tables show them. */
export function ms(value: number): string {
  return value.toFixed(1);
}

/** 12,345 */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

/** "+12.3 ms (x1.03)": the difference first, since a budget is stated in ms. */
function versus(medianMs: number, refMedianMs: number): string {
  const diff = medianMs - refMedianMs;
  const sign = diff >= 0 ? '+' : '−';
  return `${sign}${ms(Math.abs(diff))} ms (x${(medianMs / refMedianMs).toFixed(2)})`;
}
