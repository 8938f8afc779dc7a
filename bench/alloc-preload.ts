// Loaded into a process under measurement (`--expose-gc --import=dist/bench/alloc-preload.js`, through
// POSEIDON_NODE_ARGS; see bench/submit-alloc.ts). SIGUSR2 starts a window, the next SIGUSR2 ends it and
// writes `$POSEIDON_ALLOC_DIR/<pid>.json`: bytes allocated in the window (every GC's heap before it less
// the heap after the one before: exact, not sampled), scavenges, cpu µs, and with POSEIDON_ALLOC_COUNT=1
// the calls of JSON.parse and JSON.stringify (and their bytes), promises made and timers set.
// POSEIDON_ALLOC_PROFILE=1 adds the top allocating functions (V8's sampling heap profiler, garbage included);
// POSEIDON_ALLOC_CPU=1 the top functions by cpu self time (V8's cpu profiler, the window's profile kept as
// `$POSEIDON_ALLOC_DIR/<pid>.cpuprofile`).
import { createHook } from 'node:async_hooks';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import v8 from 'node:v8';
import { summarizeCpuProfile, type CpuProfile } from './cpu-profile.js';
import { summarizeSampling, type SampleNode } from './heap-sampling.js';

const dir = process.env['POSEIDON_ALLOC_DIR'] ?? '/tmp';
const counting = process.env['POSEIDON_ALLOC_COUNT'] === '1';
const profiling = process.env['POSEIDON_ALLOC_PROFILE'] === '1';
const cpuProfiling = process.env['POSEIDON_ALLOC_CPU'] === '1';
const gc = (globalThis as { gc?: () => void }).gc;

/** Where a sample of the counted calls came from (one in 64, one promise in 256): the first frames of their stacks. */
class Callers {
  readonly #seen = new Map<string, number>();
  add(where: string): void {
    this.#seen.set(where, (this.#seen.get(where) ?? 0) + 1);
  }
  top(): string[] {
    return [...this.#seen.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([w, n]) => `${n}\t${w}`);
  }
}
const callers = { parse: new Callers(), stringify: new Callers(), promise: new Callers() };
function callerOf(stack: string | undefined): string {
  return (stack ?? '')
    .split('\n')
    .slice(2, 6)
    .map((l) =>
      l
        .trim()
        .replace(/^at /, '')
        .replace(/\(?file:\/\/\/tmp\/[^/]+\//, '('),
    )
    .join(' < ');
}

const counts = { parseCalls: 0, parseBytes: 0, stringifyCalls: 0, stringifyBytes: 0, promises: 0, timers: 0 };
if (counting) {
  const { parse, stringify } = JSON;
  JSON.parse = function (text: string, reviver?: (k: string, v: unknown) => unknown) {
    if (counts.parseCalls % 64 === 0) callers.parse.add(callerOf(new Error().stack));
    counts.parseCalls += 1;
    counts.parseBytes += text.length;
    return parse(text, reviver) as unknown;
  } as typeof JSON.parse;
  JSON.stringify = function (...args: Parameters<typeof JSON.stringify>) {
    const out = stringify(...args);
    if (counts.stringifyCalls % 64 === 0) callers.stringify.add(callerOf(new Error().stack));
    counts.stringifyCalls += 1;
    counts.stringifyBytes += out?.length ?? 0;
    return out;
  } as typeof JSON.stringify;
}
// promises and timers are counted inside a window alone: a hook on every promise slows a process's start by seconds
const hook = createHook({
  init(_id, type) {
    if (type === 'PROMISE' && counts.promises++ % 256 === 0) callers.promise.add(callerOf(new Error().stack));
    else if (type === 'PROMISE') return;
    else if (type === 'Timeout' || type === 'Immediate') counts.timers += 1;
  },
});

interface Window {
  profiler: v8.GCProfiler;
  heldBefore: number;
  cpu: NodeJS.CpuUsage;
  counts: typeof counts;
  session: Session | undefined;
}
let open: Window | undefined;

process.on('SIGUSR2', () => {
  void (open === undefined ? begin() : end(open)).catch((err: unknown) => {
    process.stderr.write(`alloc-preload: ${String(err)}\n`);
  });
});

async function begin(): Promise<void> {
  gc?.();
  let session: Session | undefined;
  if (profiling || cpuProfiling) {
    session = new Session();
    session.connect();
  }
  if (cpuProfiling && session !== undefined) {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  if (profiling && session !== undefined) {
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 128,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  const profiler = new v8.GCProfiler();
  profiler.start();
  const heldBefore = v8.getHeapStatistics().used_heap_size;
  if (counting) hook.enable();
  open = { profiler, heldBefore, cpu: process.cpuUsage(), counts: { ...counts }, session };
}

/** What the window's figures are divided by in the profile's text: `$POSEIDON_ALLOC_DIR/units`, written by the harness. */
function units(): number {
  try {
    return Number(readFileSync(`${dir}/units`, 'utf8')) || 1;
  } catch {
    return 1;
  }
}

async function end(w: Window): Promise<void> {
  open = undefined;
  hook.disable();
  const used = process.cpuUsage(w.cpu);
  const heapAtEnd = v8.getHeapStatistics().used_heap_size;
  const gcs = w.profiler.stop()?.statistics ?? [];
  let allocated = 0;
  let scavenges = 0;
  let after = w.heldBefore;
  for (const s of gcs) {
    allocated += s.beforeGC.heapStatistics.usedHeapSize - after;
    after = s.afterGC.heapStatistics.usedHeapSize;
    if (s.gcType === 'Scavenge') scavenges += 1;
  }
  allocated += heapAtEnd - after;
  let profile: SampleNode | undefined;
  let cpuProfile: CpuProfile | undefined;
  if (w.session !== undefined) {
    if (cpuProfiling) cpuProfile = ((await w.session.post('Profiler.stop')) as { profile: CpuProfile }).profile;
    if (profiling)
      profile = ((await w.session.post('HeapProfiler.stopSampling')) as { profile: { head: SampleNode } }).profile.head;
    w.session.disconnect();
  }
  if (cpuProfile !== undefined) writeFileSync(`${dir}/${process.pid}.cpuprofile`, JSON.stringify(cpuProfile));
  const delta = Object.fromEntries(
    Object.entries(counts).map(([k, v]) => [k, v - w.counts[k as keyof typeof counts]]),
  ) as typeof counts;
  const result = {
    allocated,
    scavenges,
    cpuUs: used.user + used.system,
    counts: counting ? delta : undefined,
    callers: counting
      ? { parse: callers.parse.top(), stringify: callers.stringify.top(), promise: callers.promise.top() }
      : undefined,
    profile: profile === undefined ? undefined : summarizeSampling(profile, units(), 'submission'),
    cpuProfile: cpuProfile === undefined ? undefined : summarizeCpuProfile(cpuProfile, units(), 40),
  };
  writeFileSync(`${dir}/${process.pid}.json`, JSON.stringify(result));
}
