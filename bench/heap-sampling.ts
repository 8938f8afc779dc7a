// What V8's sampling heap profiler (`HeapProfiler.stopSampling`) saw, summed by allocating function (with its
// caller) and by file, for bench/worker-task.ts and bench/alloc-preload.ts.

export interface SampleNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SampleNode[];
}

/** The top allocating functions and files, in bytes per unit (a task, a submission), as text lines. */
export function summarizeSampling(head: SampleNode, units: number, unit = 'task'): string {
  const bySite = new Map<string, number>();
  const byFile = new Map<string, number>();
  const walk = (n: SampleNode, caller: string): void => {
    const f = n.callFrame;
    const site = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|dist)\//, '')}:${f.lineNumber + 1}`;
    const key = `${site} < ${caller}`;
    const file = site.replace(/:\d+$/, '').split(' ').slice(1).join(' ') || '(native)';
    bySite.set(key, (bySite.get(key) ?? 0) + n.selfSize);
    byFile.set(file, (byFile.get(file) ?? 0) + n.selfSize);
    for (const c of n.children) walk(c, site);
  };
  walk(head, '');
  const total = [...bySite.values()].reduce((a, b) => a + b, 0);
  const top = [...bySite.entries()].sort((a, b) => b[1] - a[1]).slice(0, 60);
  const perUnit = ([where, bytes]: [string, number]): string => `${Math.round(bytes / units)}\t${where}`;
  const files = [...byFile.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30);
  return [`total ${Math.round(total / units)} B/${unit} (sampled); by function and its caller:`]
    .concat(top.map(perUnit), ['', 'by file:'], files.map(perUnit))
    .join('\n');
}
