import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { LABEL_TEST_RUN } from '../testkit/cleanup.js';
import { LABEL_BENCH_SAMPLE, startCluster, type BenchCluster } from './cluster-processes.js';
import { formatComparison, formatPhases, series, signedMs, toMicroseconds, type Series } from './cluster-table.js';
import type { BenchContext, Benchmark } from './context.js';
import { assertImagePresent, BENCH_IMAGE, inPool, removeContainers } from './docker-engine.js';
import { ContainerEventLog } from './docker-event-log.js';
import { wallClockMs } from './docker-events.js';
import { goalLine, headline, publishReport } from './report.js';
import { summarize } from './stats.js';
import { ms } from './table.js';
import { createService, imageId, removeService, SwarmSession, waitForRunningTasks } from './swarm.js';
import { rotated } from './rotation.js';

const TASKS = 50;
/** Five, not three: one round swings by ±15% on a shared machine, and the goal compares medians. */
const ROUNDS = 5;
const COMMAND = ['sleep', '300'];
/** The Engine API's "a few at a time" side, as the issue sets it (the worker paces at DEFAULT_START_CONCURRENCY). */
const ENGINE_POOL = 4;
const BURST_DEADLINE_MS = 120_000;
const SWARM_POLL_MS = 20;
/** Untimed pause after each side's clean-up, so the engine's teardown work is over before the next side. */
const SETTLE_MS = 1_000;

type Side = 'poseidon' | 'engineAll' | 'enginePool' | 'swarm';
const SIDES: readonly Side[] = ['poseidon', 'engineAll', 'enginePool', 'swarm'];

const METRIC: Record<Side, string> = {
  poseidon: 'poseidon.manager+worker',
  engineAll: `docker.api.all-${TASKS}-at-once`,
  enginePool: `docker.api.${ENGINE_POOL}-at-a-time`,
  swarm: `swarm.api.${TASKS}-replicas`,
};

const TIMED: Record<Side, string> = {
  poseidon: `${TASKS} POST /tasks to the manager at once (one worker, default start pacing of 4) until GET /events brought all ${TASKS} task.started`,
  engineAll: `${TASKS} create+start calls through the Engine API at once, until the last start call returned`,
  enginePool: `the same ${TASKS} create+start calls, at most ${ENGINE_POOL} in flight`,
  swarm: `POST /services/create with ${TASKS} replicas (image by ID) until GET /tasks showed all running (polled every ${SWARM_POLL_MS} ms)`,
};

/** One burst: when it was sent and when each task was first known to run (wall-clock ms). */
interface Burst {
  sentAtMs: number;
  runningAtMs: number[];
  /** The engine's create and start event times of each of the burst's containers. */
  engine: Array<{ createAtMs: number; startAtMs: number }>;
  /** Poseidon only: CPU the manager and worker used from the submissions to the last task.started. */
  controlPlaneCpuMs?: number;
}

export const burstBenchmark: Benchmark = {
  name: 'burst',
  description: `${TASKS} tasks at once until all Running: Poseidon vs. the Engine API (all at once, ${ENGINE_POOL} at a time) and a Swarm service with ${TASKS} replicas, ${ROUNDS} rounds`,
  run: runBurst,
};

async function runBurst(ctx: BenchContext): Promise<void> {
  await assertImagePresent(ctx.docker);
  const image = await imageId(ctx.docker, BENCH_IMAGE);
  const events = await ContainerEventLog.follow(ctx.docker, `${LABEL_TEST_RUN}=${ctx.runId}`, ctx.signal);
  const cluster = await startCluster(ctx, { tag: 'burst', workers: 1 });
  let swarm: SwarmSession | undefined;
  try {
    swarm = await SwarmSession.join(ctx);
    const withEngineTimes = async (burst: (sample: string) => Promise<Omit<Burst, 'engine'>>): Promise<Burst> => {
      const sample = randomUUID();
      const b = await burst(sample);
      return { ...b, engine: await engineTimes(events, sample) };
    };
    const run: Record<Side, (round: number) => Promise<Burst>> = {
      poseidon: () => withEngineTimes((sample) => burstViaManager(ctx, cluster, sample)),
      engineAll: () => withEngineTimes((sample) => burstViaEngine(ctx, TASKS, sample)),
      enginePool: () => withEngineTimes((sample) => burstViaEngine(ctx, ENGINE_POOL, sample)),
      swarm: (round) => withEngineTimes((sample) => burstViaSwarm(ctx, image, round, sample)),
    };
    const bursts: Record<Side, Burst[]> = { poseidon: [], engineAll: [], enginePool: [], swarm: [] };
    const order: Side[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const sides = rotated(SIDES, round);
      order.push(sides);
      const line: string[] = [];
      for (const side of sides) {
        ctx.signal.throwIfAborted();
        const b = await run[side](round);
        bursts[side].push(b);
        line.push(`${side} ${ms(allRunningMs(b))}`);
        await sleep(SETTLE_MS, undefined, { signal: ctx.signal });
      }
      ctx.progress(`burst: round ${round + 1}/${ROUNDS}, all ${TASKS} running after (ms): ${line.join(', ')}`);
    }
    await cluster.stop();
    await swarm.leave();
    await report(ctx, bursts, order, swarm.createdHere);
  } finally {
    await events.close();
    await cluster.stop();
    await swarm?.leave();
  }
}

/** Each container's create and start event of one burst (all there by now: they came before it was seen running). */
async function engineTimes(events: ContainerEventLog, sample: string): Promise<Burst['engine']> {
  const mine = events.events.filter((e) => e.attributes[LABEL_BENCH_SAMPLE] === sample);
  const created = new Map(mine.filter((e) => e.action === 'create').map((e) => [e.containerId, e.atMs]));
  const out: Burst['engine'] = [];
  for (const e of mine) {
    const createAtMs = created.get(e.containerId);
    if (e.action === 'start' && createAtMs !== undefined) out.push({ createAtMs, startAtMs: e.atMs });
  }
  return out;
}

function allRunningMs(b: Burst): number {
  return Math.max(...b.runningAtMs) - b.sentAtMs;
}

/** All tasks submitted at once; each is Running when its task.started event arrives. Stopped untimed. */
async function burstViaManager(
  ctx: BenchContext,
  cluster: BenchCluster,
  sample: string,
): Promise<Omit<Burst, 'engine'>> {
  const tasks = Array.from({ length: TASKS }, (_, i) =>
    cluster.task(
      `bench-burst-${i}`,
      { image: BENCH_IMAGE, command: COMMAND, restartPolicy: { mode: 'never' } },
      sample,
    ),
  );
  const cpuBeforeMs = await cluster.cpuMs();
  const sentAtMs = wallClockMs();
  const started = await Promise.all(tasks.map((t) => cluster.submitUntilRunning(t.id, t.body)));
  const controlPlaneCpuMs = (await cluster.cpuMs()) - cpuBeforeMs;
  await Promise.all(tasks.map((t) => cluster.stopAndWait(t.id)));
  return { sentAtMs, runningAtMs: started.map((s) => s.runningAtMs), controlPlaneCpuMs };
}

/** create+start through the Engine API, `concurrency` in flight; each runs when its start call returns. Removed untimed. */
async function burstViaEngine(ctx: BenchContext, concurrency: number, sample: string): Promise<Omit<Burst, 'engine'>> {
  const ids: string[] = [];
  // every call in flight listens on it: fifty at once is this burst's design, not a leak
  const burst = new AbortController();
  setMaxListeners(2 * TASKS, burst.signal);
  const onAbort = (): void => burst.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const sentAtMs = wallClockMs();
  try {
    const runningAtMs = await inPool(TASKS, concurrency, async () => {
      const c = await ctx.docker.createContainer({
        Image: BENCH_IMAGE,
        Cmd: COMMAND,
        Labels: { [LABEL_TEST_RUN]: ctx.runId, [LABEL_BENCH_SAMPLE]: sample },
        HostConfig: { Init: true, RestartPolicy: { Name: 'no' } },
        abortSignal: burst.signal,
      });
      ids.push(c.id);
      await c.start({ abortSignal: burst.signal });
      return wallClockMs();
    });
    return { sentAtMs, runningAtMs };
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await removeContainers(ctx.docker, ids);
  }
}

/** One service with all replicas; each task runs when the poll first sees it running. Removed untimed. */
async function burstViaSwarm(
  ctx: BenchContext,
  image: string,
  round: number,
  sample: string,
): Promise<Omit<Burst, 'engine'>> {
  const sentAtMs = wallClockMs();
  const id = await createService(
    ctx.docker,
    {
      name: `${ctx.runId}-burst-${round}`,
      imageId: image,
      args: COMMAND,
      replicas: TASKS,
      labels: { [LABEL_TEST_RUN]: ctx.runId, [LABEL_BENCH_SAMPLE]: sample },
    },
    ctx.signal,
  );
  try {
    const running = await waitForRunningTasks(ctx.docker, id, TASKS, {
      pollMs: SWARM_POLL_MS,
      timeoutMs: BURST_DEADLINE_MS,
      signal: ctx.signal,
    });
    return { sentAtMs, runningAtMs: running.taskRunningAtMs };
  } finally {
    await removeService(ctx.docker, id);
  }
}

async function report(
  ctx: BenchContext,
  bursts: Record<Side, Burst[]>,
  order: Side[][],
  swarmCreatedHere: boolean,
): Promise<void> {
  const all = SIDES.map((side) => series(METRIC[side], bursts[side].map(allRunningMs)));
  const each = SIDES.map((side) =>
    series(
      METRIC[side],
      bursts[side].flatMap((b) => b.runningAtMs.map((t) => t - b.sentAtMs)),
    ),
  );
  const firstHalf = SIDES.map((side) =>
    series(
      METRIC[side],
      bursts[side].map((b) => halfRunningMs(b)),
    ),
  );
  const references = [
    { metric: METRIC.engineAll, title: 'all at once' },
    { metric: METRIC.enginePool, title: `${ENGINE_POOL} at a time` },
    { metric: METRIC.swarm, title: 'swarm' },
  ];
  const median = (rows: readonly Series[], side: Side): number =>
    (rows.find((r) => r.metric === METRIC[side]) as Series).summary.medianMs;
  const bestEngine: Side = median(all, 'engineAll') <= median(all, 'enginePool') ? 'engineAll' : 'enginePool';
  const vsEngineMs = median(all, 'poseidon') - median(all, bestEngine);
  const vsSwarmMs = median(all, 'poseidon') - median(all, 'swarm');
  const engineMet = vsEngineMs <= 0;
  const swarmMet = vsSwarmMs < 0;
  const engineRows = SIDES.map((side) => {
    const spans = bursts[side].flatMap((b) => b.engine.map((e) => e.startAtMs - e.createAtMs));
    const inFlight = bursts[side].map((b) => {
      const busyMs = b.engine.reduce((sum, e) => sum + (e.startAtMs - e.createAtMs), 0);
      const spanMs = Math.max(...b.engine.map((e) => e.startAtMs)) - Math.min(...b.engine.map((e) => e.createAtMs));
      return busyMs / spanMs;
    });
    const firstCreate = bursts[side].map((b) => Math.min(...b.engine.map((e) => e.createAtMs)) - b.sentAtMs);
    return {
      metric: METRIC[side],
      n: spans.length,
      phasesMs: [summarize(firstCreate).medianMs, summarize(spans).medianMs, summarize(inFlight).medianMs],
    };
  });
  const cpu = bursts.poseidon.map((b) => ({ cpuMs: b.controlPlaneCpuMs ?? 0, spanMs: allRunningMs(b) }));
  const cpuShare = summarize(cpu.map((c) => c.cpuMs / (c.spanMs * ctx.machine.cpuCount))).medianMs;
  const date = new Date().toISOString();
  const out = [
    headline(
      `burst: ${TASKS} tasks at once until all Running, ms (${ROUNDS} rounds, sides interleaved)`,
      date,
      ctx.machine,
    ),
    formatComparison(all, references),
    '',
    `until half (${TASKS / 2}) were Running, ms (same rounds):`,
    formatComparison(firstHalf, references),
    '',
    `each task, from the burst's start until it was Running, ms (${TASKS} × ${ROUNDS}):`,
    formatComparison(each, references),
    '',
    'in the engine (its create and start events; medians):',
    formatPhases(engineRows, [
      'sent → first create event',
      'each container: create → start event',
      'containers between create and start, on average',
    ]),
    '',
    `Poseidon's manager and worker used ${ms(summarize(cpu.map((c) => c.cpuMs)).medianMs)} ms of CPU per burst (median), ${(cpuShare * 100).toFixed(0)}% of the machine's ${ctx.machine.cpuCount} cores over the burst.`,
    goalLine(
      `no slower than the Engine API's better concurrency (${METRIC[bestEngine]})`,
      `Poseidon median − its median = ${signedMs(vsEngineMs)} ms`,
      engineMet,
    ),
    goalLine('faster than Swarm', `Poseidon median − Swarm median = ${signedMs(vsSwarmMs)} ms`, swarmMet),
  ];
  await publishReport(
    ctx,
    { benchmark: 'burst', date, lines: out },
    {
      method: {
        image: BENCH_IMAGE,
        command: COMMAND,
        tasks: TASKS,
        rounds: ROUNDS,
        interleaving: 'each round runs every side once; the order rotates by one each round',
        settleMsAfterEachSide: SETTLE_MS,
        swarm: swarmCreatedHere
          ? 'initialized by the run on 127.0.0.1, left at the end'
          : 'already active; left as found',
        timed: Object.fromEntries(SIDES.map((side) => [METRIC[side], TIMED[side]])),
        untimed: 'stopping or removing the burst after each side',
      },
      allRunning: all,
      halfRunning: firstHalf,
      eachTask: each.map((s) => ({ metric: s.metric, summary: s.summary })),
      poseidonControlPlaneCpuMs: cpu.map((c) => c.cpuMs),
      engine: engineRows,
      runningAtMsSinceSent: Object.fromEntries(
        SIDES.map((side) => [
          METRIC[side],
          bursts[side].map((b) => b.runningAtMs.map((t) => toMicroseconds(t - b.sentAtMs))),
        ]),
      ),
      order: order.map((o) => o.join(',')),
      goals: [
        {
          statement: `no slower than the Engine API's better concurrency (${METRIC[bestEngine]} this run)`,
          differenceMs: toMicroseconds(vsEngineMs),
          met: engineMet,
        },
        {
          statement: 'faster than a Swarm service with the same number of replicas',
          differenceMs: toMicroseconds(vsSwarmMs),
          met: swarmMet,
        },
      ],
    },
  );
}

/** When the middle task of the burst was Running. */
function halfRunningMs(b: Burst): number {
  const sorted = [...b.runningAtMs].sort((x, y) => x - y);
  return (sorted[Math.floor(sorted.length / 2) - 1] ?? Number.NaN) - b.sentAtMs;
}
