import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { WorkerClient } from '../src/client/index.js';
import { createOptions } from '../src/driver/docker/create-options.js';
import { parseSpec } from '../src/task/index.js';
import {
  LABEL_GENERATION,
  LABEL_TASK_ID,
  LABEL_TASK_NAME,
  LABEL_WORKER,
  type NetworkInfo,
} from '../src/driver/index.js';
import { LABEL_TEST_RUN, removeForce } from '../testkit/cleanup.js';
import { BenchError } from './bench-error.js';
import {
  LABEL_BENCH_SAMPLE,
  poseidonCli,
  startCluster,
  startDev,
  startDirectWorker,
  DevUnsafe,
  type BenchCluster,
} from './cluster-processes.js';
import { formatComparison, formatPhases, series, signedMs, toMicroseconds, type Series } from './cluster-table.js';
import type { BenchContext, Benchmark } from './context.js';
import { dockerCli } from './docker-cli.js';
import { assertImagePresent, BENCH_IMAGE, workersNetwork } from './docker-engine.js';
import { ContainerEventLog } from './docker-event-log.js';
import { wallClockMs } from './docker-events.js';
import { spawnPoseidon, type PoseidonProcess } from '../testkit/spawner.js';
import { goalLine, headline, publishReport } from './report.js';
import { summarize } from './stats.js';
import { ms } from './table.js';
import {
  createService,
  imageId,
  removeService,
  serviceCreateArgs,
  SwarmSession,
  waitForRunningTasks,
  type ServiceOptions,
} from './swarm.js';
import { rotated } from './rotation.js';

const COMMAND = ['sleep', '300'];
const TASK_NAME = 'bench-start';
const REPS = 20;
const WARMUP_REPS = 1;
/**
 * `docker service create --detach=false` runs in every other counted rep only (10 samples):
 * its time is the CLI's fixed 5 s stability wait plus a Swarm start (±3% across samples), and
 * twenty of them would cost the run two minutes.
 */
const SWARM_CLI_EVERY = 2;
/** The worker's own wait before it answers POST /tasks (its default, said out loud). */
const START_WAIT_MS = 5_000;
/** Longest a start may take, any side, before the bench gives up on it. */
const START_DEADLINE_MS = 30_000;
const POLL_INTERVAL_MS = 5;
/** Swarm has no task events: its task list is polled this often. */
const SWARM_POLL_MS = 10;
const CLI_TIMEOUT_MS = 60_000;
/** How long the engine's create/start events may trail a measured start. */
const EVENT_TIMEOUT_MS = 5_000;
const FLOOR_REPS = 5;

/** Goals: the worker adds ≤ 25 ms; the control plane (manager + worker) ≤ 30 ms; the CLI ≥ 5 times sooner than Swarm's. */
const GOAL_WORKER_MAX_OVERHEAD_MS = 25;
const GOAL_CONTROL_PLANE_MAX_MS = 30;
const GOAL_CLI_MIN_SPEEDUP = 5;

type Side = 'worker' | 'dev' | 'cluster' | 'engine' | 'engineNet' | 'run' | 'swarmApi' | 'poseidonCli' | 'swarmCli';

const METRIC: Record<Side, string> = {
  worker: 'poseidon.worker',
  dev: 'poseidon.dev',
  cluster: 'poseidon.manager+worker',
  engine: 'docker.api.create+start',
  engineNet: 'docker.api.worker-body',
  run: 'docker.cli.run-d',
  swarmApi: 'swarm.api.service-create',
  poseidonCli: 'poseidon.cli.task--wait',
  swarmCli: 'swarm.cli.service-create',
};

const TIMED: Record<Side, string> = {
  worker:
    'POST /tasks to a standalone worker until it says Running (its answer waits up to 5 s; else GET /tasks/{id} polls every 5 ms)',
  dev: 'POST /tasks to `poseidon dev` (manager and worker in one process) until its GET /events stream brings task.started',
  cluster:
    'POST /tasks to `poseidon manager` with one `poseidon worker --manager` (separate processes) until GET /events brings task.started',
  engine:
    "create + start + inspect until State.Running through the Engine API (dockerode), the worker driver's body (labels, Init: true)",
  engineNet:
    "create + start + inspect until State.Running through the Engine API, with exactly the body the worker's driver sends (createOptions: Docker's default bridge with the Poseidon network's gateway as DNS, the pids cap, no-new-privileges, log rotation): the like-for-like reference for Poseidon's control plane",
  run: '`docker run -d IMAGE sleep 300` (no --init, as a person types it) from spawn to exit',
  swarmApi:
    'POST /services/create (1 replica, image by ID) until GET /tasks?service=ID shows the task running (polled every 10 ms)',
  poseidonCli: '`poseidon task --filename F --wait` against the manager+worker cluster, from spawn to exit',
  swarmCli:
    "`docker service create --detach=false --no-resolve-image IMAGE_ID sleep 300` from spawn to exit (includes the CLI's 5 s stability wait)",
};

/** One timed start: from the first byte (or the spawn) to the moment the caller knows it runs. */
interface StartSample {
  totalMs: number;
  /** Wall-clock ms, comparable with engine event times. */
  sentAtMs: number;
  seenAtMs: number;
  /** The value of LABEL_BENCH_SAMPLE on its container: its engine events are found by it. */
  sample: string;
  /** Worker side only: the 201 answer already said Running. */
  answeredRunning?: boolean;
}

/** A start split at the engine's create and start events (ms). */
interface Phases {
  toCreateMs: number;
  createToStartMs: number;
  startToSeenMs: number;
}

/** The task or container did not reach Running. */
class StartFailed extends BenchError {}

export const startBenchmark: Benchmark = {
  name: 'start',
  description: `start latency of one task until Running: worker, dev, manager+worker and the CLI vs. Engine API, docker run and Swarm, ${REPS} reps each, interleaved`,
  run: runStart,
};

interface Setup {
  worker: PoseidonProcess;
  workerClient: WorkerClient;
  dev: BenchCluster | null;
  devSkipped: string | null;
  cluster: BenchCluster;
  swarm: SwarmSession;
  imageId: string;
  events: ContainerEventLog;
  dir: string;
  /** The workers' network, as docker.api.worker-body's containers use it too. */
  network: NetworkInfo;
}

async function runStart(ctx: BenchContext): Promise<void> {
  await assertImagePresent(ctx.docker);
  const image = await imageId(ctx.docker, BENCH_IMAGE);
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-bench-'));
  ctx.resources.trackTempDir(dir);
  const events = await ContainerEventLog.follow(ctx.docker, `${LABEL_TEST_RUN}=${ctx.runId}`, ctx.signal);
  const stops: Array<() => Promise<void>> = [() => events.close()];
  try {
    const workerName = `${ctx.runId}-worker`;
    ctx.resources.trackWorkerName(workerName);
    ctx.resources.trackWorkerName(directWorkerLabel(ctx));
    const direct = await startDirectWorker(ctx, { name: workerName, dataDir: dir, timeoutMs: START_DEADLINE_MS });
    const worker = direct.worker;
    stops.push(() => direct.stop());
    ctx.progress(`start: worker ${workerName} listening at ${worker.url} (pid ${worker.pid})`);
    let dev: BenchCluster | null = null;
    let devSkipped: string | null = null;
    try {
      dev = await startDev(ctx, 'start');
      const d = dev;
      stops.push(() => d.stop());
    } catch (err) {
      if (!(err instanceof DevUnsafe)) throw err;
      devSkipped = err.message;
      ctx.progress(`start: skipping poseidon.dev: ${err.message}`);
    }
    const cluster = await startCluster(ctx, { tag: 'start', workers: 1 });
    stops.push(() => cluster.stop());
    const swarm = await SwarmSession.join(ctx);
    stops.push(() => swarm.leave());
    const network = await workersNetwork(ctx.docker);
    const setup: Setup = {
      worker,
      workerClient: direct.client,
      dev,
      devSkipped,
      cluster,
      swarm,
      imageId: image,
      events,
      dir,
      network,
    };

    const floors = await measureFloors(ctx);
    const measured = await measure(ctx, setup);
    // everything goes now, not at the end of the whole run: a later benchmark gets an idle machine
    await stopAll(stops);
    await report(ctx, setup, measured, floors);
  } finally {
    await stopAll(stops);
  }
}

/** Runs every stop once, last started first; the first failure is thrown after all ran. */
async function stopAll(stops: Array<() => Promise<void>>): Promise<void> {
  let failure: unknown;
  while (stops.length > 0) {
    const stop = stops.pop() as () => Promise<void>;
    try {
      await stop();
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure !== undefined) throw failure;
}

/** The direct containers carry the worker's label keys under a name no worker answers to. */
function directWorkerLabel(ctx: BenchContext): string {
  return `${ctx.runId}-worker.engine-api`;
}

interface Floors {
  dockerVersionMs: number[];
  poseidonVersionMs: number[];
}

/** What a CLI costs before it does anything: `docker version` and `poseidon --version`. */
async function measureFloors(ctx: BenchContext): Promise<Floors> {
  const floors: Floors = { dockerVersionMs: [], poseidonVersionMs: [] };
  for (let i = 0; i < FLOOR_REPS; i++) {
    floors.dockerVersionMs.push(
      (
        await dockerCli(['version', '--format', '{{.Server.Version}}'], {
          signal: ctx.signal,
          timeoutMs: CLI_TIMEOUT_MS,
        })
      ).wallMs,
    );
    floors.poseidonVersionMs.push(
      (await poseidonCli(['--version'], { signal: ctx.signal, timeoutMs: CLI_TIMEOUT_MS })).wallMs,
    );
  }
  return floors;
}

interface Measurements {
  sides: Side[];
  samples: Record<Side, StartSample[]>;
  phases: Record<Side, Phases[]>;
  warmupMs: Record<Side, number[]>;
  /** Which side went first, second... in each counted rep. */
  order: Side[][];
}

async function measure(ctx: BenchContext, s: Setup): Promise<Measurements> {
  const run: Record<Side, (rep: number) => Promise<StartSample>> = {
    worker: () => startViaWorker(ctx, s.workerClient),
    dev: () => startViaManager(ctx, s.dev as BenchCluster),
    cluster: () => startViaManager(ctx, s.cluster),
    engine: () => startViaEngine(ctx),
    engineNet: () => startViaEngine(ctx, s.network),
    run: () => startViaDockerRun(ctx),
    swarmApi: (rep) => startViaSwarmApi(ctx, s.imageId, rep),
    poseidonCli: (rep) => startViaPoseidonCli(ctx, s.cluster, s.dir, rep),
    swarmCli: (rep) => startViaSwarmCli(ctx, s.imageId, rep),
  };
  const sides = (Object.keys(run) as Side[]).filter((side) => side !== 'dev' || s.dev !== null);
  const empty = <T>(): Record<Side, T[]> => ({
    worker: [],
    dev: [],
    cluster: [],
    engine: [],
    engineNet: [],
    run: [],
    swarmApi: [],
    poseidonCli: [],
    swarmCli: [],
  });
  const m: Measurements = { sides, samples: empty(), phases: empty(), warmupMs: empty(), order: [] };
  for (let rep = 0; rep < WARMUP_REPS + REPS; rep++) {
    // rotate who goes first, so each side follows every other about equally often
    const counted = rep >= WARMUP_REPS;
    const order = rotated(sides, rep).filter(
      (side) => side !== 'swarmCli' || (counted && (rep - WARMUP_REPS) % SWARM_CLI_EVERY === 0),
    );
    const line: string[] = [];
    for (const side of order) {
      ctx.signal.throwIfAborted();
      const sample = await run[side](rep);
      if (counted) {
        m.samples[side].push(sample);
        m.phases[side].push(await phasesOf(ctx, s.events, sample));
      } else {
        m.warmupMs[side].push(sample.totalMs);
      }
      line.push(`${side} ${ms(sample.totalMs)}`);
    }
    if (counted) m.order.push(order);
    ctx.progress(
      `start: ${counted ? `rep ${rep - WARMUP_REPS + 1}/${REPS}` : `warm-up ${rep + 1}/${WARMUP_REPS}`} (ms): ${line.join(', ')}`,
    );
  }
  return m;
}

async function phasesOf(ctx: BenchContext, events: ContainerEventLog, s: StartSample): Promise<Phases> {
  const ofSample = (action: string) => (e: { action: string; attributes: Readonly<Record<string, string>> }) =>
    e.action === action && e.attributes[LABEL_BENCH_SAMPLE] === s.sample;
  const created = await events.waitFor(ofSample('create'), `the create of sample ${s.sample}`, EVENT_TIMEOUT_MS);
  const started = await events.waitFor(ofSample('start'), `the start of sample ${s.sample}`, EVENT_TIMEOUT_MS);
  return {
    toCreateMs: created.atMs - s.sentAtMs,
    createToStartMs: started.atMs - created.atMs,
    startToSeenMs: s.seenAtMs - started.atMs,
  };
}

function labels(ctx: BenchContext, sample: string): Record<string, string> {
  return { [LABEL_TEST_RUN]: ctx.runId, [LABEL_BENCH_SAMPLE]: sample };
}

/** POST /tasks to the standalone worker; the answer comes once the container runs. DELETE untimed. */
async function startViaWorker(ctx: BenchContext, client: WorkerClient): Promise<StartSample> {
  const sample = randomUUID();
  const body = { name: TASK_NAME, image: BENCH_IMAGE, command: COMMAND, labels: labels(ctx, sample) };
  const sentAtMs = wallClockMs();
  let task = await client.startTask(body, { waitMs: START_WAIT_MS });
  const answeredRunning = task.state === 'Running';
  while (task.state === 'Scheduled') {
    if (wallClockMs() - sentAtMs > START_DEADLINE_MS)
      throw new StartFailed(`task ${task.id} still Scheduled after ${START_DEADLINE_MS} ms`);
    ctx.signal.throwIfAborted();
    await sleep(POLL_INTERVAL_MS);
    task = await client.getTask(task.id);
  }
  const seenAtMs = wallClockMs();
  if (task.state !== 'Running') throw new StartFailed(`task ${task.id} ended ${task.state}: ${task.reason}`);
  const stopped = await client.stopTask(task.id);
  if (stopped.state === 'Running' || stopped.state === 'Scheduled')
    throw new StartFailed(`task ${task.id} is still ${stopped.state} after DELETE`);
  return { totalMs: seenAtMs - sentAtMs, sentAtMs, seenAtMs, sample, answeredRunning };
}

/** POST /tasks to a manager until its event stream says task.started. Stop untimed. */
async function startViaManager(ctx: BenchContext, cluster: BenchCluster): Promise<StartSample> {
  const sample = randomUUID();
  const { id, body } = cluster.task(TASK_NAME, { image: BENCH_IMAGE, command: COMMAND }, sample);
  const started = await cluster.submitUntilRunning(id, body);
  await cluster.stopAndWait(id);
  return { totalMs: started.totalMs, sentAtMs: started.sentAtMs, seenAtMs: started.runningAtMs, sample };
}

/**
 * The same container straight through the Engine API: create, start, inspect until Running.
 * Without `network`: the worker driver's labels and `Init: true` on Docker's default bridge, as
 * this benchmark always compared. With it: exactly the body the worker's driver sends
 * (createOptions: the network, the pids cap, no-new-privileges, log rotation), so the only
 * difference left to Poseidon's row is Poseidon itself. Removal untimed.
 */
async function startViaEngine(ctx: BenchContext, network?: NetworkInfo): Promise<StartSample> {
  const sample = randomUUID();
  const taskId = randomUUID();
  const options: Docker.ContainerCreateOptions =
    network === undefined
      ? {
          name: `poseidon-${TASK_NAME}-${taskId.slice(0, 8)}-0`,
          Image: BENCH_IMAGE,
          Cmd: COMMAND,
          Env: [],
          Labels: {
            ...labels(ctx, sample),
            [LABEL_TASK_ID]: taskId,
            [LABEL_TASK_NAME]: TASK_NAME,
            [LABEL_WORKER]: directWorkerLabel(ctx),
            [LABEL_GENERATION]: '0',
          },
          ExposedPorts: {},
          HostConfig: { PortBindings: {}, Init: true, RestartPolicy: { Name: 'no' } },
        }
      : createOptions(
          parseSpec({ id: taskId, name: TASK_NAME, image: BENCH_IMAGE, command: COMMAND, labels: labels(ctx, sample) }),
          { workerName: directWorkerLabel(ctx), generation: 0, publishIp: '127.0.0.1', network },
        );
  const signal = ctx.signal;
  const sentAtMs = wallClockMs();
  const container = await ctx.docker.createContainer({ ...options, abortSignal: signal });
  try {
    await container.start({ abortSignal: signal });
    let info = await container.inspect({ abortSignal: signal });
    while (!info.State.Running) {
      if (info.State.Status !== 'created' || wallClockMs() - sentAtMs > START_DEADLINE_MS) {
        throw new StartFailed(
          `container ${container.id} is ${info.State.Status} (exit ${info.State.ExitCode}) instead of running`,
        );
      }
      await sleep(POLL_INTERVAL_MS);
      info = await container.inspect({ abortSignal: signal });
    }
    const seenAtMs = wallClockMs();
    return { totalMs: seenAtMs - sentAtMs, sentAtMs, seenAtMs, sample };
  } finally {
    await removeForce(ctx.docker, container.id);
  }
}

/** `docker run -d` as a person types it (plus our labels); it returns once the container started. */
async function startViaDockerRun(ctx: BenchContext): Promise<StartSample> {
  const sample = randomUUID();
  const labelArgs = Object.entries(labels(ctx, sample)).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  const run = await dockerCli(['run', '-d', ...labelArgs, BENCH_IMAGE, ...COMMAND], {
    signal: ctx.signal,
    timeoutMs: CLI_TIMEOUT_MS,
  });
  await removeForce(ctx.docker, run.stdout.trim());
  return { totalMs: run.wallMs, sentAtMs: run.startedAtMs, seenAtMs: run.exitedAtMs, sample };
}

function serviceOptions(ctx: BenchContext, image: string, name: string, sample: string): ServiceOptions {
  return { name, imageId: image, args: COMMAND, replicas: 1, labels: labels(ctx, sample) };
}

/** POST /services/create, then poll its tasks until one runs. The service goes untimed. */
async function startViaSwarmApi(ctx: BenchContext, image: string, rep: number): Promise<StartSample> {
  const sample = randomUUID();
  const sentAtMs = wallClockMs();
  const id = await createService(ctx.docker, serviceOptions(ctx, image, `${ctx.runId}-api-${rep}`, sample), ctx.signal);
  try {
    const running = await waitForRunningTasks(ctx.docker, id, 1, {
      pollMs: SWARM_POLL_MS,
      timeoutMs: START_DEADLINE_MS,
      signal: ctx.signal,
    });
    return { totalMs: running.allRunningAtMs - sentAtMs, sentAtMs, seenAtMs: running.allRunningAtMs, sample };
  } finally {
    await removeService(ctx.docker, id);
  }
}

/** `docker service create` as a person types it: it returns once the task runs and the CLI's stability wait is over. */
async function startViaSwarmCli(ctx: BenchContext, image: string, rep: number): Promise<StartSample> {
  const sample = randomUUID();
  const name = `${ctx.runId}-cli-${rep}`;
  try {
    const run = await dockerCli(serviceCreateArgs(serviceOptions(ctx, image, name, sample), false), {
      signal: ctx.signal,
      timeoutMs: CLI_TIMEOUT_MS,
    });
    return { totalMs: run.wallMs, sentAtMs: run.startedAtMs, seenAtMs: run.exitedAtMs, sample };
  } finally {
    const id = await serviceIdOf(ctx.docker, name);
    if (id !== null) await removeService(ctx.docker, id);
  }
}

async function serviceIdOf(docker: Docker, name: string): Promise<string | null> {
  try {
    const info: unknown = await docker.getService(name).inspect();
    return (info as { ID?: string }).ID ?? null;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}

/** `poseidon task --filename F --wait` as a person types it, against the manager+worker cluster. */
async function startViaPoseidonCli(
  ctx: BenchContext,
  cluster: BenchCluster,
  dir: string,
  rep: number,
): Promise<StartSample> {
  const sample = randomUUID();
  const { id, body } = cluster.task(TASK_NAME, { image: BENCH_IMAGE, command: COMMAND }, sample);
  const file = join(dir, `task-${rep}.json`);
  await writeFile(file, JSON.stringify(body));
  const run = await poseidonCli(['task', '--filename', file, '--wait', '--manager', cluster.client.baseUrl], {
    signal: ctx.signal,
    timeoutMs: CLI_TIMEOUT_MS,
    env: cluster.cliEnv,
  });
  if (!run.stdout.startsWith(`${id} Running`))
    throw new StartFailed(`poseidon task --wait printed "${run.stdout.trim()}" instead of "${id} Running on ..."`);
  await cluster.stopAndWait(id);
  return { totalMs: run.wallMs, sentAtMs: run.startedAtMs, seenAtMs: run.exitedAtMs, sample };
}

const PHASE_TITLES = ['sent → create event', 'create → start event', 'start event → seen'];

async function report(ctx: BenchContext, s: Setup, m: Measurements, floors: Floors): Promise<void> {
  const rows = m.sides.map((side) =>
    series(
      METRIC[side],
      m.samples[side].map((x) => x.totalMs),
    ),
  );
  const row = (side: Side): Series => rows.find((r) => r.metric === METRIC[side]) as Series;
  const references = [
    { metric: METRIC.engine, title: 'engine API' },
    { metric: METRIC.engineNet, title: 'engine, same net' },
    { metric: METRIC.run, title: 'docker run' },
    { metric: METRIC.swarmApi, title: 'swarm API' },
    { metric: METRIC.swarmCli, title: 'swarm CLI' },
  ];
  const median = (side: Side): number => row(side).summary.medianMs;
  const phaseRows = m.sides.map((side) => {
    const p = m.phases[side];
    const med = (f: (x: Phases) => number): number => summarize(p.map(f)).medianMs;
    return {
      metric: METRIC[side],
      n: p.length,
      phasesMs: [med((x) => x.toCreateMs), med((x) => x.createToStartMs), med((x) => x.startToSeenMs)],
    };
  });

  // Against the Engine API with the worker's own create body (like for like: Poseidon's own cost),
  // and with the plain one (what a person comparing with `docker run` sees: the body's cost too).
  const againstEngine = [
    { reference: 'engineNet', name: "the Engine API with the worker's create body" },
    { reference: 'engine', name: "the Engine API on Docker's default bridge" },
  ] as const;
  const controlPlane = againstEngine.flatMap(({ reference, name }) =>
    (['cluster', 'dev'] as const)
      .filter((side) => m.sides.includes(side))
      .map((side) => ({ side, metric: METRIC[side], name, differenceMs: median(side) - median(reference) })),
  );
  const controlPlaneMet = controlPlane.every((c) => c.differenceMs <= GOAL_CONTROL_PLANE_MAX_MS);
  const speedup = median('swarmCli') / median('poseidonCli');
  const cliMet = speedup >= GOAL_CLI_MIN_SPEEDUP;
  const workerDifferenceMs = median('worker') - median('engineNet');
  const workerMet = workerDifferenceMs <= GOAL_WORKER_MAX_OVERHEAD_MS;
  const workerBodyCostMs = median('engineNet') - median('engine');
  const swarmControlPlaneMs = median('swarmApi') - median('engine');
  const date = new Date().toISOString();
  const floorLine =
    `CLI floors (median of ${FLOOR_REPS}): \`docker version\` ${ms(summarize(floors.dockerVersionMs).medianMs)} ms, ` +
    `\`poseidon --version\` ${ms(summarize(floors.poseidonVersionMs).medianMs)} ms`;

  const out = [
    headline(
      `start latency until Running, ms (${REPS} reps each after ${WARMUP_REPS} warm-up, ${METRIC.swarmCli} every ${SWARM_CLI_EVERY === 2 ? 'other' : `${SWARM_CLI_EVERY}th`} rep; interleaved)`,
      date,
      ctx.machine,
    ),
    formatComparison(rows, references),
    ...(s.devSkipped === null ? [] : [`(poseidon.dev skipped: ${s.devSkipped})`]),
    floorLine,
    '',
    'where the time goes (medians, ms; engine event times):',
    formatPhases(phaseRows, PHASE_TITLES),
    '',
    `Swarm's control plane adds ${signedMs(swarmControlPlaneMs)} ms to the Engine API's median (swarm.api − docker.api).`,
    `The worker's create body (its network settings, the pids cap, no-new-privileges, log rotation) costs ${signedMs(workerBodyCostMs)} ms a start in the engine (${METRIC.engineNet} − ${METRIC.engine}).`,
    ...controlPlane.map((c) =>
      goalLine(
        `Poseidon within ${GOAL_CONTROL_PLANE_MAX_MS} ms of ${c.name}`,
        `${c.metric} median − its median = ${signedMs(c.differenceMs)} ms`,
        c.differenceMs <= GOAL_CONTROL_PLANE_MAX_MS,
      ),
    ),
    goalLine(
      `\`poseidon task --wait\` at least ${GOAL_CLI_MIN_SPEEDUP}x sooner than \`docker service create\``,
      `${ms(median('swarmCli'))} / ${ms(median('poseidonCli'))} ms = x${speedup.toFixed(1)}`,
      cliMet,
    ),
    goalLine(
      `the worker alone adds no more than ${GOAL_WORKER_MAX_OVERHEAD_MS} ms (against the Engine API with the worker's create body)`,
      `worker median − its median = ${signedMs(workerDifferenceMs)} ms`,
      workerMet,
    ),
  ];
  await publishReport(
    ctx,
    { benchmark: 'start', date, lines: out },
    {
      method: {
        image: BENCH_IMAGE,
        command: COMMAND,
        reps: REPS,
        warmupReps: WARMUP_REPS,
        swarmCliEvery: SWARM_CLI_EVERY,
        interleaving: `each rep runs every side once (${METRIC.swarmCli} every ${SWARM_CLI_EVERY} counted reps, none in the warm-up); the order rotates by one each rep`,
        swarm: s.swarm.createdHere
          ? 'initialized by the run on 127.0.0.1, left at the end'
          : 'already active; left as found',
        timed: Object.fromEntries(m.sides.map((side) => [METRIC[side], TIMED[side]])),
        untimed: 'the stop or removal after each sample',
        devSkipped: s.devSkipped,
      },
      series: rows,
      warmupSamplesMs: Object.fromEntries(m.sides.map((side) => [METRIC[side], m.warmupMs[side].map(toMicroseconds)])),
      workerAnswersAlreadyRunning: m.samples.worker.filter((x) => x.answeredRunning === true).length,
      phases: m.sides.map((side) => ({
        metric: METRIC[side],
        toCreateMs: m.phases[side].map((p) => toMicroseconds(p.toCreateMs)),
        createToStartMs: m.phases[side].map((p) => toMicroseconds(p.createToStartMs)),
        startToSeenMs: m.phases[side].map((p) => toMicroseconds(p.startToSeenMs)),
      })),
      cliFloorsMs: {
        dockerVersion: floors.dockerVersionMs.map(toMicroseconds),
        poseidonVersion: floors.poseidonVersionMs.map(toMicroseconds),
      },
      order: m.order.map((o) => o.join(',')),
      goals: [
        ...controlPlane.map((c) => ({
          statement: `${c.metric}: median within ${GOAL_CONTROL_PLANE_MAX_MS} ms of ${c.name}'s`,
          differenceMs: toMicroseconds(c.differenceMs),
          met: c.differenceMs <= GOAL_CONTROL_PLANE_MAX_MS,
        })),
        {
          statement: `poseidon task --wait at least ${GOAL_CLI_MIN_SPEEDUP}x sooner than docker service create`,
          ratio: Number(speedup.toFixed(3)),
          met: cliMet,
        },
        {
          statement: `the worker adds no more than ${GOAL_WORKER_MAX_OVERHEAD_MS} ms to the Engine API with the worker's create body`,
          differenceMs: toMicroseconds(workerDifferenceMs),
          met: workerMet,
        },
      ],
      swarmControlPlaneMs: toMicroseconds(swarmControlPlaneMs),
      workerBodyCostMs: toMicroseconds(workerBodyCostMs),
      allGoalsMet: controlPlaneMet && cliMet && workerMet,
    },
  );
}
