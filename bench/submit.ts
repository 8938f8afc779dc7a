import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext, Benchmark } from './context.js';
import { goalLine, headline, publishReport } from './report.js';
import { heartbeatHealth, startFakeCluster, type FakeCluster, type HeartbeatHealth } from './fake-cluster.js';
import { quantile } from './stats.js';
import { floorFigures, floorLines, runFloor, type FloorFigures } from './submit-floor.js';
import { benchTaskBody, runLoad, type LoadOutcome } from './submit-load.js';
import { count, formatGrid, ms } from './table.js';
import {
  readCpuMs,
  readCpuPressureUs,
  readManagerCounters,
  readRss,
  waitUntilSettled,
  type ManagerCounters,
} from './submit-manager.js';

/** Concurrent clients, each with its own keep-alive connection. */
const CLIENTS = 64;
const DURATION_MS = 20_000;
/** The count bound: at 10,000/s the time bound still ends the run first. */
const MAX_SUBMISSIONS = 200_000;
/** Submissions before the measured run (JIT, connections, LMDB file growth); not counted. */
const WARMUP_SUBMISSIONS = 2_000;
/**
 * Simulated workers (testkit's fake workers). A few big workers mean a few huge task lists the
 * manager parses in one go when it asks a worker for them (at 100,000 tasks on 4 workers, 6.7 MB
 * each), which stalls its event loop; many small ones mean fewer tasks per worker in a reconcile
 * pass, so smaller dispatch batches. 20 is between: 5,000 tasks (1.3 MB) a list at 100,000 tasks.
 */
const SIM_WORKERS = 20;
/** Longest wait after the load for every accepted task to reach a worker and show Running. */
const DISPATCH_DEADLINE_MS = 180_000;

const GOAL_MIN_PER_SECOND = 5_000;
const GOAL_MAX_P99_MS = 50;

export const submitBenchmark: Benchmark = {
  name: 'submit',
  description: `durable submissions per second through the manager: ${CLIENTS} clients for ${DURATION_MS / 1000} s, ${SIM_WORKERS} simulated workers`,
  run: runSubmit,
};

async function runSubmit(ctx: BenchContext): Promise<void> {
  const cluster = await startFakeCluster(ctx, 'submit', SIM_WORKERS);
  try {
    ctx.progress(`submit: warm-up, ${WARMUP_SUBMISSIONS} submissions`);
    const warm = await runLoad({
      url: cluster.manager.url,
      ca: cluster.access.caPem,
      token: cluster.access.adminToken,
      clients: CLIENTS,
      maxRequests: WARMUP_SUBMISSIONS,
      maxDurationMs: 60_000,
      body: (i) => benchTaskBody(ctx.runId, `bench-warmup-${i}`),
      signal: ctx.signal,
    });
    await waitDispatched(ctx, cluster, warm, performance.now());
    await waitUntilSettled(ctx, cluster.client, 'submit', DISPATCH_DEADLINE_MS);

    const before = await readManagerCounters(cluster.access);
    const cpuBefore = await readCpuMs(cluster.manager.pid);
    const workersCpuBefore = await readCpuMs(cluster.workers.process.pid);
    const clientsCpuBefore = process.cpuUsage();
    const pressureBefore = await readCpuPressureUs();
    ctx.progress(
      `submit: ${CLIENTS} clients for ${DURATION_MS / 1000} s (at most ${count(MAX_SUBMISSIONS)} submissions)`,
    );
    const progress = setInterval(
      () => ctx.progress(`submit: ${count(cluster.dispatchedAt.size)} tasks on workers so far`),
      5_000,
    );
    let load: LoadOutcome;
    try {
      load = await runLoad({
        url: cluster.manager.url,
        ca: cluster.access.caPem,
        token: cluster.access.adminToken,
        clients: CLIENTS,
        maxRequests: MAX_SUBMISSIONS,
        maxDurationMs: DURATION_MS,
        body: (i) => benchTaskBody(ctx.runId, `bench-submit-${i}`),
        signal: ctx.signal,
      });
    } finally {
      clearInterval(progress);
    }
    const loadEndMs = load.startedAtMs + load.elapsedMs;
    const cpuAfter = await readCpuMs(cluster.manager.pid);
    const workersCpuAfter = await readCpuMs(cluster.workers.process.pid);
    const clientsCpu = process.cpuUsage(clientsCpuBefore);
    const pressureAfter = await readCpuPressureUs();
    const managerCpuMs = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
    const workersCpuMs =
      workersCpuBefore === null || workersCpuAfter === null ? null : workersCpuAfter - workersCpuBefore;
    // the bench process: its 64 clients, plus the poller that reads the fake workers' dispatches
    const clientsCpuMs = (clientsCpu.user + clientsCpu.system) / 1000;
    const cpuPressure =
      pressureBefore === null || pressureAfter === null
        ? null
        : (pressureAfter - pressureBefore) / 1000 / load.elapsedMs;
    ctx.progress(
      `submit: ${count(load.accepted.length)} accepted in ${(load.elapsedMs / 1000).toFixed(1)} s; waiting for every task to reach a worker`,
    );
    const dispatched = await waitDispatched(ctx, cluster, load, loadEndMs);
    const settled = await waitUntilSettled(ctx, cluster.client, 'submit', DISPATCH_DEADLINE_MS);
    const allRunningMs = performance.now() - loadEndMs;
    const after = await readManagerCounters(cluster.access);
    const rssBytes = await readRss(cluster.manager.pid);
    const beats = await heartbeatHealth(cluster);
    await cluster.stop(); // now, not at the end of the run: the floor and later benchmarks get an idle machine
    const floor = floorFigures(
      await runFloor(ctx, {
        clients: CLIENTS,
        durationMs: DURATION_MS,
        maxRequests: MAX_SUBMISSIONS,
        warmupRequests: WARMUP_SUBMISSIONS,
      }),
    );
    await report(ctx, {
      floor,
      load,
      dispatched,
      settled,
      allRunningMs,
      before,
      after,
      rssBytes,
      beats,
      warm,
      managerCpuMs,
      workersCpuMs,
      clientsCpuMs,
      cpuPressure,
    });
  } finally {
    await cluster.stop();
  }
}

interface Dispatched {
  /** From the last 201 to the last first-dispatch at a worker; null when some never arrived. */
  allDispatchedMs: number | null;
  missing: number;
  /** Per accepted task: first dispatch at a worker minus its 201. */
  lagMs: number[];
}

async function waitDispatched(
  ctx: BenchContext,
  cluster: FakeCluster,
  load: LoadOutcome,
  loadEndMs: number,
): Promise<Dispatched> {
  const began = performance.now();
  let missing = load.accepted.length;
  while (performance.now() - began < DISPATCH_DEADLINE_MS) {
    ctx.signal.throwIfAborted();
    missing = 0;
    for (const a of load.accepted) if (!cluster.dispatchedAt.has(a.id)) missing += 1;
    if (missing === 0) break;
    await sleep(20);
  }
  const lagMs: number[] = [];
  let last = loadEndMs;
  for (const a of load.accepted) {
    const at = cluster.dispatchedAt.get(a.id);
    if (at === undefined) continue;
    lagMs.push(at - a.answeredAtMs);
    last = Math.max(last, at);
  }
  return { allDispatchedMs: missing === 0 ? Math.max(0, last - loadEndMs) : null, missing, lagMs };
}

interface Measured {
  load: LoadOutcome;
  warm: LoadOutcome;
  dispatched: Dispatched;
  settled: { pending: number; scheduled: number };
  allRunningMs: number;
  before: ManagerCounters;
  after: ManagerCounters;
  rssBytes: number | null;
  beats: HeartbeatHealth;
  /** Manager process cpu time (all threads) during the load. */
  managerCpuMs: number | null;
  /** The simulated workers' process cpu time (all threads) during the load. */
  workersCpuMs: number | null;
  /** The bench process's cpu time during the load (its clients, and the dispatch poller). */
  clientsCpuMs: number;
  /** Share of the load's wall time some task on the machine waited for a cpu (PSI). */
  cpuPressure: number | null;
  /** The bare Node server's run under the same load, right after (bench/submit-floor.ts). */
  floor: FloorFigures;
}

async function report(ctx: BenchContext, m: Measured): Promise<void> {
  const { load, dispatched } = m;
  const date = new Date().toISOString();
  const perSecond = load.accepted.length / (load.elapsedMs / 1000);
  const sorted = [...load.latenciesMs].sort((a, b) => a - b);
  const lat =
    sorted.length === 0
      ? null
      : {
          p50: quantile(sorted, 0.5),
          p90: quantile(sorted, 0.9),
          p99: quantile(sorted, 0.99),
          max: quantile(sorted, 1),
        };
  const lagSorted = [...dispatched.lagMs].sort((a, b) => a - b);
  const lag =
    lagSorted.length === 0
      ? null
      : {
          p50: quantile(lagSorted, 0.5),
          p90: quantile(lagSorted, 0.9),
          p99: quantile(lagSorted, 0.99),
          max: quantile(lagSorted, 1),
        };
  const failed = [...load.failures.values()].reduce((a, b) => a + b, 0);
  const writes = delta(m.before.storeWrites, m.after.storeWrites);
  const commits = delta(m.before.storeCommits, m.after.storeCommits);

  const rateMet = perSecond >= GOAL_MIN_PER_SECOND && failed === 0;
  const p99Met = lat !== null && lat.p99 < GOAL_MAX_P99_MS;
  const allIn = dispatched.missing === 0 && m.settled.pending === 0 && m.settled.scheduled === 0;

  const throughput = formatGrid(
    ['metric', 'value'],
    [
      ['submissions answered 201 (durable)', count(load.accepted.length)],
      [
        'other answers / errors',
        failed === 0 ? '0' : `${count(failed)} (${[...load.failures].map(([k, v]) => `${k}: ${v}`).join(', ')})`,
      ],
      ['load duration, s', (load.elapsedMs / 1000).toFixed(2)],
      ['ended by', load.stoppedBy === 'count' ? `count (${count(MAX_SUBMISSIONS)})` : load.stoppedBy],
      ['submissions/s', count(perSecond)],
      [
        'time until all dispatched, s (after the last 201)',
        dispatched.allDispatchedMs === null
          ? `never: ${count(dispatched.missing)} missing`
          : (dispatched.allDispatchedMs / 1000).toFixed(2),
      ],
      [
        'time until the manager shows all Running, s',
        allIn
          ? (m.allRunningMs / 1000).toFixed(2)
          : `not reached: ${m.settled.pending} Pending, ${m.settled.scheduled} Scheduled`,
      ],
      [
        'store writes per commit (LMDB group commit)',
        writes === null || commits === null || commits === 0
          ? 'n/a'
          : `${(writes / commits).toFixed(1)} (${count(writes)} writes, ${count(commits)} commits)`,
      ],
      [
        'manager cpu per submission, µs (all threads)',
        m.managerCpuMs === null ? 'n/a' : count((m.managerCpuMs * 1000) / Math.max(1, load.accepted.length)),
      ],
      ['simulated workers cpu per submission, µs (their process)', perSubmission(m.workersCpuMs, load)],
      ['load clients cpu per submission, µs (the bench process)', perSubmission(m.clientsCpuMs, load)],
      [
        'all three, cpu per submission, µs',
        perSubmission(
          m.managerCpuMs === null || m.workersCpuMs === null ? null : m.managerCpuMs + m.workersCpuMs + m.clientsCpuMs,
          load,
        ),
      ],
      ['requests per submission: dispatches / reports / heartbeats', exchanges(m.before, m.after)],
      ['load average (1 min) after the load', os.loadavg()[0]?.toFixed(2) ?? 'n/a'],
      [
        'machine cpu pressure during the load (some task waiting)',
        m.cpuPressure === null ? 'n/a' : `${(m.cpuPressure * 100).toFixed(0)} %`,
      ],
      ['manager RSS after, MiB', m.rssBytes === null ? 'n/a' : (m.rssBytes / 2 ** 20).toFixed(1)],
      [
        `heartbeats (${m.beats.mode}) sent / failed / resyncs asked`,
        `${count(m.beats.sent)} / ${count(m.beats.failed)} / ${count(m.beats.resyncs)}`,
      ],
    ],
  );
  const latency = formatGrid(
    ['latency, ms', 'n', 'p50', 'p90', 'p99', 'max'],
    [
      [
        'POST /tasks → 201',
        count(sorted.length),
        ...(lat === null ? ['-', '-', '-', '-'] : [ms(lat.p50), ms(lat.p90), ms(lat.p99), ms(lat.max)]),
      ],
      [
        '201 → first dispatch at a worker',
        count(lagSorted.length),
        ...(lag === null ? ['-', '-', '-', '-'] : [ms(lag.p50), ms(lag.p90), ms(lag.p99), ms(lag.max)]),
      ],
    ],
  );
  const out = [
    headline(
      `submit: ${CLIENTS} clients, ${DURATION_MS / 1000} s (at most ${count(MAX_SUBMISSIONS)}), ${SIM_WORKERS} simulated workers (heartbeats: ${m.beats.mode}), after ${count(m.warm.accepted.length)} warm-up submissions`,
      date,
      ctx.machine,
    ),
    throughput,
    '',
    latency,
    '',
    goalLine(
      `at least ${count(GOAL_MIN_PER_SECOND)} durable submissions/s`,
      `${count(perSecond)}/s${failed > 0 ? `, ${count(failed)} not 201` : ''}`,
      rateMet,
    ),
    goalLine(`p99 latency under ${GOAL_MAX_P99_MS} ms`, lat === null ? 'no samples' : `${ms(lat.p99)} ms`, p99Met),
    `Every accepted task dispatched and Running: ${allIn ? 'yes' : 'no'}`,
    '',
    ...floorLines(
      m.floor,
      { perSecond, p99Ms: lat === null ? null : lat.p99, simulatedWorkers: SIM_WORKERS },
      { minPerSecond: GOAL_MIN_PER_SECOND, maxP99Ms: GOAL_MAX_P99_MS },
    ),
  ];
  if (m.beats.failed > 0) out.push(`Heartbeat failures: ${m.beats.failed}; last: ${m.beats.lastError ?? '?'}`);
  await publishReport(
    ctx,
    { benchmark: 'submit', date, lines: out },
    {
      method: {
        clients: CLIENTS,
        durationMs: DURATION_MS,
        maxSubmissions: MAX_SUBMISSIONS,
        warmupSubmissions: WARMUP_SUBMISSIONS,
        simulatedWorkers: SIM_WORKERS,
        task: JSON.parse(benchTaskBody(ctx.runId, 'bench-submit-0')) as unknown,
        timed: {
          latency: 'POST /tasks sent until its 201 answer is read (keep-alive connection per client, closed loop)',
          allDispatched: 'last 201 until the last task first reached a simulated worker',
          allRunning: 'last 201 until GET /tasks?state=Pending and ?state=Scheduled are both empty',
        },
      },
      accepted: load.accepted.length,
      failures: Object.fromEntries(load.failures),
      firstFailure: load.firstFailure ?? null,
      elapsedMs: round(load.elapsedMs),
      stoppedBy: load.stoppedBy,
      perSecond: round(perSecond),
      latencyMs: lat === null ? null : mapValues(lat, round),
      dispatchLagMs: lag === null ? null : mapValues(lag, round),
      allDispatchedMs: dispatched.allDispatchedMs === null ? null : round(dispatched.allDispatchedMs),
      missingDispatches: dispatched.missing,
      allRunningMs: allIn ? round(m.allRunningMs) : null,
      settled: m.settled,
      store: { writes, commits },
      managerRssBytes: m.rssBytes,
      managerCpuMs: m.managerCpuMs,
      workersCpuMs: m.workersCpuMs,
      clientsCpuMs: m.clientsCpuMs,
      cpuPressure: m.cpuPressure,
      heartbeats: m.beats,
      heartbeatMode: m.beats.mode,
      floor: m.floor,
      goals: [
        {
          statement: `at least ${GOAL_MIN_PER_SECOND} durable submissions per second`,
          value: round(perSecond),
          met: rateMet,
        },
        {
          statement: `p99 latency under ${GOAL_MAX_P99_MS} ms`,
          value: lat === null ? null : round(lat.p99),
          met: p99Met,
        },
      ],
    },
  );
}

/** Per `POST /tasks` the manager served in between: its calls to workers, and the workers' calls to it. */
function exchanges(before: ManagerCounters, after: ManagerCounters): string {
  const submits = delta(before.submitRequests, after.submitRequests);
  if (submits === null || submits === 0) return 'n/a';
  const per = (k: 'dispatchCalls' | 'reportRequests' | 'heartbeatRequests' | 'passes'): string => {
    const d = delta(before[k], after[k]);
    return d === null ? 'n/a' : (d / submits).toFixed(3);
  };
  return `${per('dispatchCalls')} / ${per('reportRequests')} / ${per('heartbeatRequests')} (passes ${per('passes')})`;
}

function perSubmission(cpuMs: number | null, load: LoadOutcome): string {
  return cpuMs === null ? 'n/a' : count((cpuMs * 1000) / Math.max(1, load.accepted.length));
}

function delta(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : b - a;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function mapValues<K extends string>(o: Record<K, number>, f: (v: number) => number): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of Object.keys(o) as K[]) out[k] = f(o[k]);
  return out;
}
