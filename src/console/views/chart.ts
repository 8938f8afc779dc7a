import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

/**
 * A time series as a uPlot line chart, with its latest value also as text beside it (a chart is
 * no use to a screen reader). `times` in seconds since the epoch.
 */
export function Chart(props: {
  title: string;
  unit: string;
  times: readonly number[];
  values: readonly number[];
  format: (v: number) => string;
  /**
   * The value axis runs from 0 to at least this: a task idling at 0.0003 cores would otherwise
   * get an axis of its own noise, every tick printed "0.00". Unset: the axis fits the values.
   */
  minTop?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const width = Math.max(240, Math.min(560, el.clientWidth || 480));
    plot.current = new uPlot(
      {
        width,
        height: 160,
        legend: { show: false },
        ...(props.minTop === undefined ? {} : { scales: { y: { range: fromZeroTo(props.minTop) } } }),
        series: [{}, { label: props.title, stroke: '#1f5fbf', width: 2, fill: 'rgba(31,95,191,0.12)' }],
        axes: [{}, { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => props.format(t)), size: 70 }],
      },
      [[...props.times], [...props.values]],
      el,
    );
    showAtLeastAMinute(plot.current, props.times);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);
  useEffect(() => {
    if (plot.current === null) return;
    plot.current.setData([[...props.times], [...props.values]]);
    showAtLeastAMinute(plot.current, props.times);
  }, [props.times, props.values]);
  const last = props.values[props.values.length - 1];
  return html`<figure class="chart">
    <figcaption>
      ${props.title}: ${last === undefined ? 'no sample yet' : props.format(last)}
      <span class="hint"> (${props.values.length} ${props.values.length === 1 ? 'sample' : 'samples'})</span>
    </figcaption>
    <div ref=${box} role="img" aria-label=${`${props.title} over the last minutes`}></div>
  </figure>`;
}

/** Seconds the time axis spans at least. */
const MIN_SPAN_S = 60;

/**
 * Widens the time axis to the last minute at least: uPlot's own fit of one sample (or a few
 * seconds of them) spans years, and ticks of 2027, 2028, 2029 say nothing about a live chart.
 */
function showAtLeastAMinute(plot: uPlot, times: readonly number[]): void {
  const first = times[0];
  const last = times[times.length - 1];
  if (first === undefined || last === undefined) return;
  plot.setScale('x', { min: Math.min(first, last - MIN_SPAN_S), max: last });
}

/** A value axis from 0 to the larger of the highest value and `minTop`. */
function fromZeroTo(minTop: number): uPlot.Range.Function {
  return (_plot, _min, max) => [0, Math.max(max, minTop)];
}
