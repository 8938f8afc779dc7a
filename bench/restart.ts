import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError } from './bench-error.js';
import { containersByLabel, LABEL_TEST_RUN, removeByLabel } from '../testkit/cleanup.js';
import { LABEL_BENCH_SAMPLE, startCluster, type BenchCluster } from './cluster-processes.js';
import { formatComparison, formatPhases, series, signedMs, toMicroseconds, type Series } from './cluster-table.js';
import type { BenchContext, Benchmark } from './context.js';
import { dockerCli } from './docker-cli.js';
import { assertImagePresent, BENCH_IMAGE } from './docker-engine.js';
import { ContainerEventLog, type ContainerEventRecord } from './docker-event-log.js';
import { goalLine, headline, publishReport } from './report.js';
import { summarize } from './stats.js';
import { ms } from './table.js';
import { createService, imageId, removeService, SwarmSession } from './swarm.js';
import { rotated } from './rotation.js';

/** Fails one second after it starts, every time. */
const COMMAND = ['sh', '-c', 'sleep 1; exit 1'];
const RUNS = 5;
/** Restarts per run; each is one sample (die → the next start). */
const RESTARTS = 3;
const RUN_DEADLINE_MS = 60_000;
const CLI_TIMEOUT_MS = 30_000;
/** Untimed pause after each run's clean-up, so its teardown does not overlap the next run. */
const SETTLE_MS = 500;

type Side = 'poseidon' | 'docker' | 'swarm';
const SIDES: readonly Side[] = ['poseidon', 'docker', 'swarm'];

const METRIC: Record<Side, string> = {
  poseidon: 'poseidon.manager+worker',
  docker: 'docker.restart-on-failure',
  swarm: 'swarm.restart-on-failure',
};

const HOW: Record<Side, string> = {
  poseidon: `POST /tasks to the manager with restartPolicy {mode: on-failure, maxRestarts: ${RESTARTS}, backoff: {initial: 0, max: 0}}; the manager restarts it as a new placement (new container)`,
  docker: `docker run -d --restart on-failure:${RESTARTS} (Docker restarts the same container; its delay starts at 100 ms and doubles)`,
  swarm: `POST /services/create, 1 replica, RestartPolicy {Condition: on-failure, Delay: 0, MaxAttempts: ${RESTARTS}} (what --restart-condition on-failure --restart-delay 0s sends; a new container per restart)`,
};

/** One restart: the engine's die of one container and the start that replaced it (engine times, ms). */
interface Restart {
  /** 1 for the first restart of a run. */
  index: number;
  dieAtMs: number;
  startAtMs: number;
  /** Poseidon only: when the manager's events said the task exited and was placed again (bench receipt times). */
  exitedSeenAtMs?: number;
  restartedSeenAtMs?: number;
  createAtMs?: number;
}

class RestartMissing extends BenchError {}

export const restartBenchmark: Benchmark = {
  name: 'restart',
  description: `a task failing 1 s after each start: container exit → replacement running, Poseidon vs. docker --restart on-failure and Swarm, ${RUNS} × ${RESTARTS} restarts each`,
  run: runRestart,
};

async function runRestart(ctx: BenchContext): Promise<void> {
  await assertImagePresent(ctx.docker);
  const image = await imageId(ctx.docker, BENCH_IMAGE);
  const events = await ContainerEventLog.follow(ctx.docker, `${LABEL_TEST_RUN}=${ctx.runId}`, ctx.signal);
  let cluster: BenchCluster | undefined;
  let swarm: SwarmSession | undefined;
  try {
    cluster = await startCluster(ctx, { tag: 'restart', workers: 1 });
    swarm = await SwarmSession.join(ctx);
    const c = cluster;
    const run: Record<Side, (i: number) => Promise<Restart[]>> = {
      poseidon: () => restartsViaPoseidon(ctx, c, events),
      docker: () => restartsViaDocker(ctx, events),
      swarm: (i) => restartsViaSwarm(ctx, image, events, i),
    };
    const restarts: Record<Side, Restart[]> = { poseidon: [], docker: [], swarm: [] };
    const order: Side[][] = [];
    for (let i = 0; i < RUNS; i++) {
      const sides = rotated(SIDES, i);
      order.push(sides);
      const line: string[] = [];
      for (const side of sides) {
        ctx.signal.throwIfAborted();
        const got = await run[side](i);
        restarts[side].push(...got);
        line.push(`${side} ${got.map((r) => ms(r.startAtMs - r.dieAtMs)).join('/')}`);
        await sleep(SETTLE_MS, undefined, { signal: ctx.signal });
      }
      ctx.progress(`restart: run ${i + 1}/${RUNS}, die → start (ms): ${line.join('; ')}`);
    }
    await cluster.stop();
    await swarm.leave();
    await report(ctx, restarts, order, swarm.createdHere);
  } finally {
    await events.close();
    await cluster?.stop();
    await swarm?.leave();
  }
}

const isSample = (sample: string) => (e: ContainerEventRecord) => e.attributes[LABEL_BENCH_SAMPLE] === sample;

/**
 * Waits for the first start and RESTARTS restarts of the sample's containers, then pairs each
 * die with the next start (the engine's own timestamps, whichever container it was).
 */
async function collectRestarts(events: ContainerEventLog, sample: string, side: Side): Promise<Restart[]> {
  const mine = isSample(sample);
  await events.waitForNth(
    (e) => mine(e) && e.action === 'start',
    RESTARTS + 1,
    `${side}: start ${RESTARTS + 1} of sample ${sample}`,
    RUN_DEADLINE_MS,
  );
  const seen = events.events.filter(mine);
  const restarts: Restart[] = [];
  for (const die of seen.filter((e) => e.action === 'die')) {
    const next = seen.find((e) => e.action === 'start' && e.atMs > die.atMs);
    if (next === undefined) continue; // the last exit of the run: nothing replaced it yet
    const create = seen.find((e) => e.action === 'create' && e.atMs > die.atMs && e.atMs <= next.atMs);
    restarts.push({
      index: restarts.length + 1,
      dieAtMs: die.atMs,
      startAtMs: next.atMs,
      ...(create === undefined ? {} : { createAtMs: create.atMs }),
    });
    if (restarts.length === RESTARTS) break;
  }
  if (restarts.length < RESTARTS)
    throw new RestartMissing(`${side}: only ${restarts.length} of ${RESTARTS} restarts paired for sample ${sample}`);
  return restarts;
}

async function restartsViaPoseidon(
  ctx: BenchContext,
  cluster: BenchCluster,
  events: ContainerEventLog,
): Promise<Restart[]> {
  const sample = randomUUID();
  const { id, body } = cluster.task(
    'bench-restart',
    {
      image: BENCH_IMAGE,
      command: COMMAND,
      restartPolicy: { mode: 'on-failure', maxRestarts: RESTARTS, backoff: { initial: 0, max: 0 } },
    },
    sample,
  );
  await cluster.client.submit(body);
  try {
    const restarts = await collectRestarts(events, sample, 'poseidon');
    // where the time went: the manager's events for this task, in order, against each die
    const mine = cluster.events.events.filter((r) => r.event.taskId === id);
    for (const r of restarts) {
      const exited = mine.find((m) => m.event.type === 'task.exited' && m.receivedAtMs >= r.dieAtMs);
      const restarted = mine.find((m) => m.event.type === 'task.restarted' && m.receivedAtMs >= r.dieAtMs);
      if (exited !== undefined) r.exitedSeenAtMs = exited.receivedAtMs;
      if (restarted !== undefined) r.restartedSeenAtMs = restarted.receivedAtMs;
    }
    return restarts;
  } finally {
    // a stop is never undone by the policy; the last failed container is the worker's to keep, so it goes by label
    await cluster.client.stopTask(id);
    await removeSample(ctx, sample);
  }
}

async function restartsViaDocker(ctx: BenchContext, events: ContainerEventLog): Promise<Restart[]> {
  const sample = randomUUID();
  const labels = [`${LABEL_TEST_RUN}=${ctx.runId}`, `${LABEL_BENCH_SAMPLE}=${sample}`].flatMap((l) => ['--label', l]);
  await dockerCli(['run', '-d', '--restart', `on-failure:${RESTARTS}`, ...labels, BENCH_IMAGE, ...COMMAND], {
    signal: ctx.signal,
    timeoutMs: CLI_TIMEOUT_MS,
  });
  try {
    return await collectRestarts(events, sample, 'docker');
  } finally {
    await removeSample(ctx, sample);
  }
}

async function restartsViaSwarm(
  ctx: BenchContext,
  image: string,
  events: ContainerEventLog,
  run: number,
): Promise<Restart[]> {
  const sample = randomUUID();
  const id = await createService(
    ctx.docker,
    {
      name: `${ctx.runId}-restart-${run}`,
      imageId: image,
      args: COMMAND,
      replicas: 1,
      labels: { [LABEL_TEST_RUN]: ctx.runId, [LABEL_BENCH_SAMPLE]: sample },
      restart: { condition: 'on-failure', delayNs: 0, maxAttempts: RESTARTS },
    },
    ctx.signal,
  );
  try {
    return await collectRestarts(events, sample, 'swarm');
  } finally {
    await removeService(ctx.docker, id);
  }
}

/** Untimed: removes the sample's containers and waits until none is left. */
async function removeSample(ctx: BenchContext, sample: string): Promise<void> {
  const label = `${LABEL_BENCH_SAMPLE}=${sample}`;
  const deadline = performance.now() + RUN_DEADLINE_MS;
  while ((await containersByLabel(ctx.docker, label)).length > 0) {
    if (performance.now() > deadline)
      throw new BenchError(`containers with ${label} still there after ${RUN_DEADLINE_MS} ms`);
    await removeByLabel(ctx.docker, label);
  }
}

const PHASE_TITLES = ['die → manager saw exit', '→ restart placed', '→ create event', '→ start event'];

async function report(
  ctx: BenchContext,
  restarts: Record<Side, Restart[]>,
  order: Side[][],
  swarmCreatedHere: boolean,
): Promise<void> {
  const gap = (r: Restart): number => r.startAtMs - r.dieAtMs;
  const dockerByIndex = Array.from({ length: RESTARTS }, (_, k) =>
    series(`${METRIC.docker} #${k + 1}`, restarts.docker.filter((r) => r.index === k + 1).map(gap)),
  );
  const rows: Series[] = [
    series(METRIC.poseidon, restarts.poseidon.map(gap)),
    ...dockerByIndex,
    series(`${METRIC.docker} (all)`, restarts.docker.map(gap)),
    series(METRIC.swarm, restarts.swarm.map(gap)),
  ];
  const references = [
    { metric: `${METRIC.docker} #1`, title: 'docker #1' },
    { metric: `${METRIC.docker} (all)`, title: 'docker all' },
    { metric: METRIC.swarm, title: 'swarm' },
  ];
  const median = (metric: string): number => (rows.find((r) => r.metric === metric) as Series).summary.medianMs;
  const poseidon = median(METRIC.poseidon);
  const vsDockerFirstMs = poseidon - median(`${METRIC.docker} #1`);
  const vsSwarmMs = poseidon - median(METRIC.swarm);
  const dockerMet = vsDockerFirstMs < 0;
  const swarmMet = vsSwarmMs < 0;

  const p = restarts.poseidon.filter(
    (r) => r.exitedSeenAtMs !== undefined && r.restartedSeenAtMs !== undefined && r.createAtMs !== undefined,
  );
  const med = (f: (r: Restart) => number): number => (p.length === 0 ? Number.NaN : summarize(p.map(f)).medianMs);
  const phases = [
    med((r) => (r.exitedSeenAtMs as number) - r.dieAtMs),
    med((r) => (r.restartedSeenAtMs as number) - (r.exitedSeenAtMs as number)),
    med((r) => (r.createAtMs as number) - (r.restartedSeenAtMs as number)),
    med((r) => r.startAtMs - (r.createAtMs as number)),
  ];
  const date = new Date().toISOString();
  const out = [
    headline(
      `restart: container exit (die event) → replacement started (start event), ms (${RUNS} runs × ${RESTARTS} restarts each, sides interleaved)`,
      date,
      ctx.machine,
    ),
    formatComparison(rows, references),
    '',
    "where Poseidon's time goes (medians, ms; engine event times and manager events as the bench received them):",
    formatPhases([{ metric: METRIC.poseidon, n: p.length, phasesMs: phases }], PHASE_TITLES),
    '',
    goalLine(
      "faster than Docker's own restart at its smallest delay (#1, 100 ms)",
      `Poseidon median − docker #1 median = ${signedMs(vsDockerFirstMs)} ms`,
      dockerMet,
    ),
    goalLine(
      'faster than Swarm (--restart-delay 0s)',
      `Poseidon median − Swarm median = ${signedMs(vsSwarmMs)} ms`,
      swarmMet,
    ),
  ];
  await publishReport(
    ctx,
    { benchmark: 'restart', date, lines: out },
    {
      method: {
        image: BENCH_IMAGE,
        command: COMMAND,
        runs: RUNS,
        restartsPerRun: RESTARTS,
        timed:
          "the engine's die event of a container → the engine's next start event for the same task (event timeNano, one host clock)",
        sides: Object.fromEntries(SIDES.map((side) => [METRIC[side], HOW[side]])),
        interleaving: 'each run goes through every side once; the order rotates by one each run',
        swarm: swarmCreatedHere
          ? 'initialized by the run on 127.0.0.1, left at the end'
          : 'already active; left as found',
      },
      series: rows,
      restarts: Object.fromEntries(
        SIDES.map((side) => [
          METRIC[side],
          restarts[side].map((r) => ({
            index: r.index,
            dieToStartMs: toMicroseconds(gap(r)),
            ...(r.createAtMs === undefined ? {} : { dieToCreateMs: toMicroseconds(r.createAtMs - r.dieAtMs) }),
            ...(r.exitedSeenAtMs === undefined
              ? {}
              : { dieToManagerSawExitMs: toMicroseconds(r.exitedSeenAtMs - r.dieAtMs) }),
            ...(r.restartedSeenAtMs === undefined
              ? {}
              : { dieToRestartPlacedMs: toMicroseconds(r.restartedSeenAtMs - r.dieAtMs) }),
          })),
        ]),
      ),
      poseidonPhasesMedianMs: Object.fromEntries(
        PHASE_TITLES.map((t, i) => [t, toMicroseconds(phases[i] ?? Number.NaN)]),
      ),
      order: order.map((o) => o.join(',')),
      goals: [
        {
          statement: "faster than Docker's --restart on-failure at its first (smallest) delay",
          differenceMs: toMicroseconds(vsDockerFirstMs),
          met: dockerMet,
        },
        {
          statement: 'faster than Swarm with --restart-delay 0s',
          differenceMs: toMicroseconds(vsSwarmMs),
          met: swarmMet,
        },
      ],
    },
  );
}
