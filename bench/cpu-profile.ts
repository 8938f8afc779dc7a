// What V8's cpu profiler saw (a `.cpuprofile`: Node's `--cpu-prof`, or `Profiler.stop` through the inspector),
// summed by function and by file on self time, for bench/alloc-preload.ts (POSEIDON_ALLOC_CPU=1) and
// bench/cpu-profile-summary.ts.

export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Node's own frames, V8's and the GC's, which have no url. */
const NATIVE = '(native)';

/** The top functions and files by self time, in µs per unit (a submission), as text lines; idle time left out. */
export function summarizeCpuProfile(profile: CpuProfile, units = 1, top = 40, unit = 'submission'): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, CpuProfileNode>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const bySite = new Map<string, number>();
  const byFile = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  const cap = 2 * median(profile.timeDeltas);
  // timeDeltas[i] is the time between sample i-1 and sample i: sample i ran for the next one's delta, capped
  // at twice the usual interval: a process the machine took its cpu from (2 shared cores) for a while is not
  // charged that wait in the function it was in
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] ?? -1);
    const us = Math.min(cap, profile.timeDeltas[i + 1] ?? 0);
    if (node === undefined || us <= 0 || node.callFrame.functionName === '(idle)') continue;
    const f = node.callFrame;
    // a native frame (writev, a JSON.parse) is named with the first JavaScript function that called it
    let site = siteOf(f);
    if (f.url === '') {
      let up = parent.get(node.id);
      while (up !== undefined && up.callFrame.url === '') up = parent.get(up.id);
      if (up !== undefined) site += ` < ${siteOf(up.callFrame)}`;
    }
    bySite.set(site, (bySite.get(site) ?? 0) + us);
    const file = shortUrl(f.url);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
    const onStack = new Set<string>();
    for (let n: CpuProfileNode | undefined = node; n !== undefined; n = parent.get(n.id)) {
      if (n.callFrame.url !== '') onStack.add(siteOf(n.callFrame));
    }
    for (const s of onStack) inclusive.set(s, (inclusive.get(s) ?? 0) + us);
    total += us;
  }
  const per = (us: number): string => (us / units).toFixed(us / units < 10 ? 2 : 1);
  const share = (us: number): string => `${((us * 100) / Math.max(1, total)).toFixed(1)}%`;
  const rows = (m: Map<string, number>, n: number): string[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([where, us]) => `${per(us)}\t${share(us)}\t${where}`);
  return [`total ${per(total)} µs/${unit} sampled, idle left out; self time by function (µs/${unit}, share):`]
    .concat(rows(bySite, top), ['', 'by file:'], rows(byFile, 30))
    .concat(['', 'total time (self and callees) by function:'], rows(inclusive, top))
    .join('\n');
}

function median(xs: readonly number[]): number {
  const sorted = xs.filter((x) => x > 0).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function siteOf(f: CpuProfileNode['callFrame']): string {
  return `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}${f.url === '' ? '' : `:${f.lineNumber + 1}`}`;
}

/** A frame's file, short: `dist/src/...`, `node_modules/<package>/...`, `node:internal/...`. */
function shortUrl(url: string): string {
  if (url === '') return NATIVE;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + 1);
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}
