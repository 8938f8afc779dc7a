import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { WorkerClient, type WorkerTaskView } from '../src/api/index.js';
import { LABEL_GENERATION, LABEL_TASK_ID, LABEL_TASK_NAME, LABEL_TEST_RUN, LABEL_WORKER } from '../src/driver/index.js';
import { BenchError } from './bench-error.js';
import { removeForce } from './cleanup.js';
import type { BenchContext, Benchmark } from './context.js';
import { EngineEventLog, wallClockMs, type EngineTimes } from './docker-events.js';
import { describeMachine } from './machine.js';
import { spawnPoseidon } from './processes.js';
import { writeResult } from './result-file.js';
import { summarize, type Summary } from './stats.js';
import { formatTable, ms, type TableRow } from './table.js';

/** The local image; no registry is reachable, so the bench never pulls. */
const IMAGE = 'poseidon/busybox:latest';
const COMMAND = ['sleep', '300'];
const TASK_NAME = 'bench-start';
const REPS = 20;
const WARMUP_REPS = 2;
/** The worker's own wait before it answers POST /tasks (its default, said out loud). */
const START_WAIT_MS = 5_000;
/** Longest a start may take, either side, before the bench gives up on it. */
const START_DEADLINE_MS = 30_000;
const POLL_INTERVAL_MS = 5;
/** The goal: the worker adds no more than this to the median start latency. */
const GOAL_MAX_OVERHEAD_MS = 25;

const WORKER_METRIC = 'poseidon.worker';
const ENGINE_METRIC = 'docker.api.create+start';

type Side = 'worker' | 'engine';

/** One timed start: from the first byte we send to the moment we know the container runs. */
interface StartSample {
  totalMs: number;
  containerId: string;
  sentAtMs: number;
  runningAtMs: number;
  /** Worker side only: the 201 answer already said Running (no polling needed). */
  answeredRunning?: boolean;
}

/** A start split at the engine's create and start events (wall-clock ms). */
interface Phases {
  toCreateMs: number;
  createToStartMs: number;
  startToRunningMs: number;
}

class ImageMissing extends BenchError {
  constructor(image: string) {
    super(`image ${image} is not on this machine and the bench never pulls; build it with scripts/setup-images.sh`);
  }
}

/** The task or container did not reach Running. */
class StartFailed extends BenchError {}

export const startBenchmark: Benchmark = {
  name: 'start',
  description: `start latency of one task until Running: worker vs. Engine API, ${REPS} reps each, interleaved`,
  run: runStart,
};

async function runStart(ctx: BenchContext): Promise<void> {
  await assertImagePresent(ctx.docker);
  const workerName = `${ctx.runId}-worker`;
  // the direct containers carry the worker's label keys, under a name no worker answers to,
  // so the worker's event stream and resync never treat them as its own
  const directWorkerLabel = `${workerName}.engine-api`;
  ctx.resources.trackWorkerName(workerName);
  ctx.resources.trackWorkerName(directWorkerLabel);
  const dataDir = await mkdtemp(join(tmpdir(), 'poseidon-bench-'));
  ctx.resources.trackTempDir(dataDir);

  const worker = await spawnPoseidon(['worker', '--port', '0', '--name', workerName, '--data-dir', dataDir], (p) => ctx.resources.trackProcess(p));
  ctx.progress(`start: worker ${workerName} listening at ${worker.url} (pid ${worker.pid})`);
  const client = new WorkerClient(worker.url, START_DEADLINE_MS);
  const events = await EngineEventLog.follow(ctx.docker, `${LABEL_TEST_RUN}=${ctx.runId}`);
  let measured: Measurements;
  try {
    measured = await measure(ctx, events, {
      worker: () => startViaWorker(client, ctx),
      engine: () => startViaEngine(ctx, directWorkerLabel),
    });
  } finally {
    events.close();
  }
  // the worker goes now, not at the end of the whole run: a later benchmark gets an idle machine
  await worker.stop();
  await report(ctx, measured);
}

interface Measurements {
  samples: Record<Side, StartSample[]>;
  phases: Record<Side, Phases[]>;
  warmupMs: Record<Side, number[]>;
  /** Which side went first in each counted rep. */
  order: Side[][];
}

async function measure(ctx: BenchContext, events: EngineEventLog, sides: Record<Side, () => Promise<StartSample>>): Promise<Measurements> {
  const m: Measurements = { samples: { worker: [], engine: [] }, phases: { worker: [], engine: [] }, warmupMs: { worker: [], engine: [] }, order: [] };
  for (let rep = 0; rep < WARMUP_REPS + REPS; rep++) {
    // alternate who goes first, so neither side always runs right after the other's removal
    const repOrder: Side[] = rep % 2 === 0 ? ['worker', 'engine'] : ['engine', 'worker'];
    const counted = rep >= WARMUP_REPS;
    const line: string[] = [];
    for (const side of repOrder) {
      ctx.signal.throwIfAborted();
      const sample = await sides[side]();
      if (counted) {
        m.samples[side].push(sample);
        m.phases[side].push(phasesOf(sample, await events.timesOf(sample.containerId)));
      } else {
        m.warmupMs[side].push(sample.totalMs);
      }
      line.push(`${side} ${ms(sample.totalMs)} ms`);
    }
    if (counted) m.order.push(repOrder);
    ctx.progress(`start: ${counted ? `rep ${rep - WARMUP_REPS + 1}/${REPS}` : `warm-up ${rep + 1}/${WARMUP_REPS}`}: ${line.join(', ')}`);
  }
  return m;
}

interface Series {
  metric: string;
  samplesMs: number[];
  summary: Summary;
  reference?: string;
}

function series(metric: string, samplesMs: number[], reference?: string): Series {
  const rounded = samplesMs.map(toMicroseconds);
  return { metric, samplesMs: rounded, summary: summarize(rounded), ...(reference === undefined ? {} : { reference }) };
}

const PHASES: ReadonlyArray<{ key: keyof Phases; label: string }> = [
  { key: 'toCreateMs', label: 'sent → create event' },
  { key: 'createToStartMs', label: 'create → start event' },
  { key: 'startToRunningMs', label: 'start event → Running seen' },
];

async function report(ctx: BenchContext, m: Measurements): Promise<void> {
  const worker = series(WORKER_METRIC, m.samples.worker.map((s) => s.totalMs), ENGINE_METRIC);
  const engine = series(ENGINE_METRIC, m.samples.engine.map((s) => s.totalMs));
  const phaseRows = PHASES.flatMap(({ key, label }) => [
    series(`${WORKER_METRIC} · ${label}`, m.phases.worker.map((p) => p[key]), `${ENGINE_METRIC} · ${label}`),
    series(`${ENGINE_METRIC} · ${label}`, m.phases.engine.map((p) => p[key])),
  ]);
  const differenceMs = worker.summary.medianMs - engine.summary.medianMs;
  const met = differenceMs <= GOAL_MAX_OVERHEAD_MS;
  const date = new Date().toISOString();

  const toRow = (s: Series): TableRow => ({ metric: s.metric, summary: s.summary, ...(s.reference === undefined ? {} : { reference: s.reference }) });
  const out = [
    `start latency until Running, ms (${REPS} reps each after ${WARMUP_REPS} warm-ups, interleaved) — ${date.slice(0, 10)}, ${describeMachine(ctx.machine)}`,
    formatTable([worker, engine].map(toRow)),
    '',
    'where the time goes (engine event times; phases of the same reps):',
    formatTable(phaseRows.map(toRow)),
    '',
    `Goal: the worker adds no more than ${GOAL_MAX_OVERHEAD_MS} ms to the median: worker median − Engine API median = ${signed(differenceMs)} ms (${met ? 'met' : 'not met'})`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);

  const file = await writeResult('start', {
    benchmark: 'start',
    date,
    runId: ctx.runId,
    machine: ctx.machine,
    method: {
      image: IMAGE,
      command: COMMAND,
      init: true,
      reps: REPS,
      warmupReps: WARMUP_REPS,
      interleaving: 'each rep runs both sides, alternating which goes first',
      workerStartWaitMs: START_WAIT_MS,
      timed: {
        [WORKER_METRIC]: 'POST /tasks sent until the task is Running (the 201 answer, else GET /tasks/{id} polls); DELETE not timed',
        [ENGINE_METRIC]: 'create + start + inspect until State.Running; forced removal not timed',
      },
    },
    series: [worker, engine],
    warmupSamplesMs: { [WORKER_METRIC]: m.warmupMs.worker.map(toMicroseconds), [ENGINE_METRIC]: m.warmupMs.engine.map(toMicroseconds) },
    workerAnswersAlreadyRunning: m.samples.worker.filter((s) => s.answeredRunning === true).length,
    phases: phaseRows,
    order: m.order.map((o) => o.join(',')),
    goal: {
      statement: `the worker adds no more than ${GOAL_MAX_OVERHEAD_MS} ms to the median start latency`,
      maxOverheadMs: GOAL_MAX_OVERHEAD_MS,
      workerMedianMs: worker.summary.medianMs,
      engineMedianMs: engine.summary.medianMs,
      differenceMs: toMicroseconds(differenceMs),
      met,
    },
  });
  ctx.progress(`start: wrote ${file}`);
}

/** Microseconds are plenty in the file; the timer's last digits are noise. */
function toMicroseconds(valueMs: number): number {
  return Math.round(valueMs * 1000) / 1000;
}

function signed(value: number): string {
  return value < 0 ? `−${ms(-value)}` : ms(value);
}

/**
 * (a) POST /tasks to the worker; the answer comes once the container runs (or after the
 * worker's wait, then we poll). The DELETE after it is not timed.
 */
async function startViaWorker(client: WorkerClient, ctx: BenchContext): Promise<StartSample> {
  const body = { name: TASK_NAME, image: IMAGE, command: COMMAND, labels: { [LABEL_TEST_RUN]: ctx.runId } };
  const sentAtMs = wallClockMs();
  const t0 = performance.now();
  let task = await client.startTask(body, { waitMs: START_WAIT_MS });
  const answeredRunning = task.state === 'Running';
  while (task.state === 'Scheduled') {
    if (performance.now() - t0 > START_DEADLINE_MS) throw new StartFailed(`task ${task.id} still Scheduled after ${START_DEADLINE_MS} ms`);
    ctx.signal.throwIfAborted();
    await sleep(POLL_INTERVAL_MS);
    task = await client.getTask(task.id);
  }
  const totalMs = performance.now() - t0;
  const runningAtMs = wallClockMs();
  if (task.state !== 'Running' || task.containerId === null) throw new StartFailed(`task ${task.id} ended ${task.state}: ${task.reason}`);
  await stopTask(client, task);
  return { totalMs, containerId: task.containerId, sentAtMs, runningAtMs, answeredRunning };
}

async function stopTask(client: WorkerClient, task: WorkerTaskView): Promise<void> {
  const stopped = await client.stopTask(task.id);
  if (stopped.state === 'Running' || stopped.state === 'Scheduled') throw new StartFailed(`task ${task.id} is still ${stopped.state} after DELETE`);
}

/**
 * (b) The same container straight through the Engine API: create, start, inspect until
 * Running. The forced removal after it is not timed.
 */
async function startViaEngine(ctx: BenchContext, workerLabel: string): Promise<StartSample> {
  const taskId = randomUUID();
  // what the worker's driver sends for this task (src/driver/docker/create-options.ts)
  const options: Docker.ContainerCreateOptions = {
    name: `poseidon-${TASK_NAME}-${taskId.slice(0, 8)}-0`,
    Image: IMAGE,
    Cmd: COMMAND,
    Env: [],
    Labels: {
      [LABEL_TEST_RUN]: ctx.runId,
      [LABEL_TASK_ID]: taskId,
      [LABEL_TASK_NAME]: TASK_NAME,
      [LABEL_WORKER]: workerLabel,
      [LABEL_GENERATION]: '0',
    },
    ExposedPorts: {},
    HostConfig: { PortBindings: {}, Init: true, RestartPolicy: { Name: 'no' } },
  };
  const signal = ctx.signal;
  const sentAtMs = wallClockMs();
  const t0 = performance.now();
  const container = await ctx.docker.createContainer({ ...options, abortSignal: signal });
  try {
    await container.start({ abortSignal: signal });
    let info = await container.inspect({ abortSignal: signal });
    while (!info.State.Running) {
      if (info.State.Status !== 'created' || performance.now() - t0 > START_DEADLINE_MS) {
        throw new StartFailed(`container ${container.id} is ${info.State.Status} (exit ${info.State.ExitCode}) instead of running`);
      }
      await sleep(POLL_INTERVAL_MS);
      info = await container.inspect({ abortSignal: signal });
    }
    const totalMs = performance.now() - t0;
    return { totalMs, containerId: container.id, sentAtMs, runningAtMs: wallClockMs() };
  } finally {
    await removeForce(ctx.docker, container.id);
  }
}

function phasesOf(sample: StartSample, engine: EngineTimes | null): Phases {
  if (engine === null) throw new StartFailed(`no create/start events from the engine for container ${sample.containerId}`);
  return {
    toCreateMs: engine.createdAtMs - sample.sentAtMs,
    createToStartMs: engine.startedAtMs - engine.createdAtMs,
    startToRunningMs: sample.runningAtMs - engine.startedAtMs,
  };
}

async function assertImagePresent(docker: Docker): Promise<void> {
  try {
    await docker.getImage(IMAGE).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) throw new ImageMissing(IMAGE);
    throw err;
  }
}
