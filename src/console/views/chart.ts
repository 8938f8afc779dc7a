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
        series: [{}, { label: props.title, stroke: '#1f5fbf', width: 2, fill: 'rgba(31,95,191,0.12)' }],
        axes: [{}, { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => props.format(t)), size: 70 }],
      },
      [[...props.times], [...props.values]],
      el,
    );
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);
  useEffect(() => {
    plot.current?.setData([[...props.times], [...props.values]]);
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
