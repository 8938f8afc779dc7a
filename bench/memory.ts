import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError } from './bench-error.js';
import type { BenchContext, Benchmark } from './context.js';
import { goalLine, headline, publishReport } from './report.js';
import { heartbeatHealth, startFakeCluster, type FakeCluster, type HeartbeatHealth } from './fake-cluster.js';
import { quantile } from './stats.js';
import { readCpuMs, readRssDetail, waitUntilSettled, type Rss } from './submit-manager.js';
import { benchTaskBody, runLoad } from './submit-load.js';
import { count, formatGrid, mib } from './table.js';

/** Simulated workers; see submit.ts for why 20. */
const SIM_WORKERS = 20;
const CLIENTS = 64;
/** Task counts at which RSS is read, in order; 0 is right after the workers joined. */
const LEVELS = [0, 10_000, 100_000] as const;
/** Longest a level's submissions may take (the count is what ends them normally). */
const LEVEL_LOAD_DEADLINE_MS = 300_000;
/** Longest wait for a level's tasks to reach the workers and show Running. */
const SETTLE_DEADLINE_MS = 180_000;
/** Idle time before a level's reading, so the reading is not of a burst's garbage. */
const QUIET_BEFORE_READING_MS = 10_000;
/** A level's RSS is the median of this many readings, one a second. */
const READINGS_PER_LEVEL = 5;
const IDLE_MS = 60_000;
const IDLE_SAMPLE_EVERY_MS = 5_000;
/**
 * "Flat": the floor (lowest sample) of the idle minute's second half is within this fraction of
 * the first half's. Heartbeat garbage makes RSS a sawtooth between collections; a leak raises the
 * floor, a collection only lowers the peaks, so floors compare what is really kept.
 */
const FLAT_MAX_GROWTH = 0.05;
/** 400 MB, decimal: the stricter reading of the goal (381.5 MiB). */
const GOAL_MAX_RSS_BYTES = 400 * 1000 * 1000;

export const memoryBenchmark: Benchmark = {
  name: 'memory',
  description: `manager RSS with 0, 10,000 and 100,000 tasks on ${SIM_WORKERS} simulated workers, then idle for ${IDLE_MS / 1000} s`,
  run: runMemory,
};

interface Level {
  tasks: number;
  rss: Rss;
  readings: Rss[];
  /** Submissions per second while filling up to this level (0 for the first). */
  perSecond: number;
}

interface IdleSample {
  atS: number;
  rss: Rss;
}

class NotSettled extends BenchError {}

async function runMemory(ctx: BenchContext): Promise<void> {
  const cluster = await startFakeCluster(ctx, 'memory', SIM_WORKERS);
  try {
    const levels: Level[] = [];
    let submitted = 0;
    for (const target of LEVELS) {
      let perSecond = 0;
      if (target > submitted) {
        ctx.progress(`memory: submitting ${count(target - submitted)} tasks (to ${count(target)})`);
        const first = submitted;
        const load = await runLoad({
          url: cluster.manager.url,
          clients: CLIENTS,
          maxRequests: target - submitted,
          maxDurationMs: LEVEL_LOAD_DEADLINE_MS,
          body: (i) => benchTaskBody(ctx.runId, `bench-memory-${first + i}`),
          signal: ctx.signal,
        });
        if (load.accepted.length !== target - submitted) {
          throw new NotSettled(
            `memory: ${count(load.accepted.length)} of ${count(target - submitted)} submissions accepted (${[...load.failures].map(([k, v]) => `${k}: ${v}`).join(', ')}; first: ${load.firstFailure ?? '-'})`,
          );
        }
        perSecond = load.accepted.length / (load.elapsedMs / 1000);
        submitted = target;
        await waitAllOnWorkers(ctx, cluster, submitted);
        const left = await waitUntilSettled(ctx, cluster.client, 'memory', SETTLE_DEADLINE_MS);
        if (left.pending + left.scheduled > 0)
          throw new NotSettled(
            `memory: ${left.pending} Pending and ${left.scheduled} Scheduled after ${SETTLE_DEADLINE_MS} ms`,
          );
      }
      await pause(ctx, QUIET_BEFORE_READING_MS);
      const readings: Rss[] = [];
      for (let i = 0; i < READINGS_PER_LEVEL; i++) {
        readings.push(await rssOf(cluster));
        await pause(ctx, 1_000);
      }
      const level: Level = { tasks: target, rss: medianRss(readings), readings, perSecond };
      levels.push(level);
      ctx.progress(`memory: ${count(target)} tasks: RSS ${mib(level.rss.totalBytes)} MiB`);
    }

    ctx.progress(`memory: idle for ${IDLE_MS / 1000} s, a reading every ${IDLE_SAMPLE_EVERY_MS / 1000} s`);
    const idle: IdleSample[] = [];
    const cpuBefore = await readCpuMs(cluster.manager.pid);
    const began = performance.now();
    for (let t = 0; t <= IDLE_MS; t += IDLE_SAMPLE_EVERY_MS) {
      const wait = began + t - performance.now();
      if (wait > 0) await pause(ctx, wait);
      idle.push({ atS: Math.round((performance.now() - began) / 100) / 10, rss: await rssOf(cluster) });
    }
    const cpuAfter = await readCpuMs(cluster.manager.pid);
    const cpu = cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / (performance.now() - began);
    const beats = await heartbeatHealth(cluster);
    await cluster.stop();
    await report(ctx, levels, idle, beats, cpu);
  } finally {
    await cluster.stop();
  }
}

async function waitAllOnWorkers(ctx: BenchContext, cluster: FakeCluster, tasks: number): Promise<void> {
  const began = performance.now();
  while (cluster.dispatchedAt.size < tasks) {
    if (performance.now() - began > SETTLE_DEADLINE_MS)
      throw new NotSettled(
        `memory: ${count(cluster.dispatchedAt.size)} of ${count(tasks)} tasks reached a worker after ${SETTLE_DEADLINE_MS} ms`,
      );
    await pause(ctx, 50);
  }
}

async function rssOf(cluster: FakeCluster): Promise<Rss> {
  const rss = await readRssDetail(cluster.manager.pid);
  if (rss === null)
    throw new BenchError(
      `memory: cannot read /proc/${cluster.manager.pid}/status: has the manager exited?\n${cluster.manager.output.slice(-20).join('\n')}`,
    );
  return rss;
}

function pause(ctx: BenchContext, ms: number): Promise<void> {
  return sleep(ms, undefined, { signal: ctx.signal });
}

/** The reading with the median total; its anon/file split comes with it. */
function medianRss(readings: readonly Rss[]): Rss {
  const sorted = [...readings].sort((a, b) => a.totalBytes - b.totalBytes);
  const mid = sorted[Math.floor(sorted.length / 2)];
  if (mid === undefined) throw new RangeError('median of no readings');
  return mid;
}

function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** Least-squares slope of RSS over time, in bytes per minute. */
function slopePerMinute(samples: readonly IdleSample[]): number {
  const n = samples.length;
  const mx = samples.reduce((a, s) => a + s.atS, 0) / n;
  const my = samples.reduce((a, s) => a + s.rss.totalBytes, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.atS - mx) * (s.rss.totalBytes - my);
    den += (s.atS - mx) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60;
}

async function report(
  ctx: BenchContext,
  levels: readonly Level[],
  idle: readonly IdleSample[],
  beats: HeartbeatHealth,
  /** Manager cpu time over the idle minute, as a fraction of one core. */
  cpu: number | null,
): Promise<void> {
  const date = new Date().toISOString();
  const base = levels[0];
  const top = levels[levels.length - 1];
  if (base === undefined || top === undefined) throw new RangeError('no levels measured');
  const totals = idle.map((s) => s.rss.totalBytes);
  const half = IDLE_MS / 2000;
  const firstFloor = Math.min(...idle.filter((s) => s.atS <= half).map((s) => s.rss.totalBytes));
  const lastFloor = Math.min(...idle.filter((s) => s.atS >= half).map((s) => s.rss.totalBytes));
  const growth = (lastFloor - firstFloor) / firstFloor;
  const firstMedian = median(totals.slice(0, 3));
  const lastMedian = median(totals.slice(-3));
  const slope = slopePerMinute(idle);
  const sizeMet = top.rss.totalBytes < GOAL_MAX_RSS_BYTES;
  const flatMet = growth < FLAT_MAX_GROWTH;

  const levelTable = formatGrid(
    ['tasks', 'RSS MiB', 'anon MiB', 'file MiB', 'KiB per task (vs 0)', 'filled at, tasks/s'],
    levels.map((l) => [
      count(l.tasks),
      mib(l.rss.totalBytes),
      mib(l.rss.anonBytes),
      mib(l.rss.fileBytes),
      l.tasks === 0 ? '' : ((l.rss.totalBytes - base.rss.totalBytes) / l.tasks / 1024).toFixed(2),
      l.tasks === 0 ? '' : count(l.perSecond),
    ]),
  );
  const idleTable = formatGrid(
    ['idle, 100,000 tasks', 'value'],
    [
      ['samples', `${idle.length}, every ${IDLE_SAMPLE_EVERY_MS / 1000} s`],
      ['RSS min / max, MiB', `${mib(Math.min(...totals))} / ${mib(Math.max(...totals))}`],
      [`floor of the first ${half} s → of the last ${half} s, MiB`, `${mib(firstFloor)} → ${mib(lastFloor)}`],
      ['growth of the floor', `${(growth * 100).toFixed(2)} %`],
      ['median of first 3 → last 3 samples, MiB', `${mib(firstMedian)} → ${mib(lastMedian)}`],
      ['manager cpu while idle', cpu === null ? 'n/a' : `${(cpu * 100).toFixed(1)} % of a core`],
      ['slope, MiB/min', (slope / 2 ** 20).toFixed(2)],
      ['samples, MiB', totals.map(mib).join(' ')],
      [
        `heartbeats (${beats.mode}) sent / failed / resyncs asked, whole run`,
        `${count(beats.sent)} / ${count(beats.failed)} / ${count(beats.resyncs)}`,
      ],
    ],
  );
  const out = [
    headline(
      `memory: manager RSS, ${SIM_WORKERS} simulated workers (heartbeats: ${beats.mode}), ${CLIENTS} clients filling`,
      date,
      ctx.machine,
    ),
    levelTable,
    '',
    idleTable,
    '',
    goalLine(
      `RSS under 400 MB (${mib(GOAL_MAX_RSS_BYTES)} MiB) at ${count(top.tasks)} tasks`,
      `${mib(top.rss.totalBytes)} MiB`,
      sizeMet,
    ),
    goalLine(
      `flat when idle for ${IDLE_MS / 1000} s (the floor grows under ${FLAT_MAX_GROWTH * 100} %)`,
      `${(growth * 100).toFixed(2)} %`,
      flatMet,
    ),
  ];
  if (beats.failed > 0) out.push(`Heartbeat failures: ${beats.failed}; last: ${beats.lastError ?? '?'}`);
  await publishReport(
    ctx,
    { benchmark: 'memory', date, lines: out },
    {
      method: {
        simulatedWorkers: SIM_WORKERS,
        clients: CLIENTS,
        levels: LEVELS,
        quietBeforeReadingMs: QUIET_BEFORE_READING_MS,
        readingsPerLevel: READINGS_PER_LEVEL,
        idleMs: IDLE_MS,
        idleSampleEveryMs: IDLE_SAMPLE_EVERY_MS,
        rss: '/proc/<pid>/status of the manager process: VmRSS (total), RssAnon, RssFile; a level is the median of its readings',
        flat: `lowest sample of the idle minute's second half within ${FLAT_MAX_GROWTH * 100} % of the first half's`,
      },
      levels,
      idle,
      idleFloorGrowth: Math.round(growth * 10_000) / 10_000,
      idleManagerCpu: cpu,
      idleSlopeBytesPerMinute: Math.round(slope),
      heartbeats: beats,
      goals: [
        { statement: 'RSS under 400 MB (decimal) at 100,000 tasks', valueBytes: top.rss.totalBytes, met: sizeMet },
        {
          statement: `RSS flat when idle for ${IDLE_MS / 1000} s (growth under ${FLAT_MAX_GROWTH * 100} %)`,
          value: Math.round(growth * 10_000) / 10_000,
          met: flatMet,
        },
      ],
    },
  );
}
