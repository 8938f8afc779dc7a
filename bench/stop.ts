import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerClient } from '../src/client/index.js';
import { BenchError } from './bench-error.js';
import { LABEL_TEST_RUN, removeForce } from '../testkit/cleanup.js';
import { LABEL_BENCH_SAMPLE, startCluster, type BenchCluster } from './cluster-processes.js';
import { formatComparison, series, signedMs, toMicroseconds, type Series } from './cluster-table.js';
import type { BenchContext, Benchmark } from './context.js';
import { dockerCli } from './docker-cli.js';
import { assertImagePresent, BENCH_IMAGE } from './docker-engine.js';
import { ContainerEventLog, type ContainerEventRecord } from './docker-event-log.js';
import { wallClockMs } from './docker-events.js';
import { spawnPoseidon, type PoseidonProcess } from '../testkit/spawner.js';
import { goalLine, headline, publishReport } from './report.js';
import { summarize } from './stats.js';
import { ms } from './table.js';
import { rotated } from './rotation.js';

const COMMAND = ['sleep', '300'];
/** The same grace everywhere: `poseidon worker --stop-grace 1`, `docker stop -t 1`, the API's `t=1`. */
const GRACE_SECONDS = 1;
const REPS = 20;
const WARMUP_REPS = 1;
const STEP_DEADLINE_MS = 30_000;
const CLI_TIMEOUT_MS = 30_000;

type Side = 'manager' | 'worker' | 'cli' | 'cliInit' | 'apiInit';
const SIDES: readonly Side[] = ['manager', 'worker', 'cli', 'cliInit', 'apiInit'];

const METRIC: Record<Side, string> = {
  manager: 'poseidon.manager+worker',
  worker: 'poseidon.worker',
  cli: 'docker.cli.stop+rm',
  cliInit: 'docker.cli.stop+rm[--init]',
  apiInit: 'docker.api.stop+remove[init]',
};

const TIMED: Record<Side, string> = {
  manager:
    "DELETE /tasks/{id} to the manager (worker joined with --stop-grace 1) until the engine's destroy event for the container",
  worker:
    'DELETE /tasks/{id} to a standalone worker (--stop-grace 1) until the destroy event (the worker answers once the container is removed)',
  cli: '`docker stop -t 1 ID` then `docker rm ID` on a container started with `docker run -d IMAGE sleep 300` (no init, as a person runs it) until the destroy event',
  cliInit: 'the same two commands on a container started with `docker run -d --init`',
  apiInit:
    'POST /containers/{id}/stop?t=1 then DELETE /containers/{id} through the Engine API on an Init: true container until the destroy event',
};

/** One timed stop: sent until the engine destroyed the container; `returnedAtMs` when the caller's last call returned. */
interface StopSample {
  sentAtMs: number;
  goneAtMs: number;
  returnedAtMs: number;
}

class StopFailed extends BenchError {}

export const stopBenchmark: Benchmark = {
  name: 'stop',
  description: `stop until the container is gone, ${GRACE_SECONDS} s grace everywhere: Poseidon (manager, worker) vs. docker stop + rm with and without an init, ${REPS} reps each`,
  run: runStop,
};

async function runStop(ctx: BenchContext): Promise<void> {
  await assertImagePresent(ctx.docker);
  const events = await ContainerEventLog.follow(ctx.docker, `${LABEL_TEST_RUN}=${ctx.runId}`, ctx.signal);
  let cluster: BenchCluster | undefined;
  let worker: PoseidonProcess | undefined;
  try {
    cluster = await startCluster(ctx, { tag: 'stop', workers: 1, workerArgs: ['--stop-grace', String(GRACE_SECONDS)] });
    const dir = await mkdtemp(join(tmpdir(), 'poseidon-bench-'));
    ctx.resources.trackTempDir(dir);
    const workerName = `${ctx.runId}-stop-standalone`;
    ctx.resources.trackWorkerName(workerName);
    // standalone: a task started on a worker that reports to a manager would be stopped by it as unknown
    worker = await spawnPoseidon(
      ['worker', '--port', '0', '--name', workerName, '--data-dir', dir, '--stop-grace', String(GRACE_SECONDS)],
      { onSpawn: (p) => ctx.resources.trackProcess(p) },
    );
    ctx.progress(`stop: standalone worker ${workerName} at ${worker.url} (pid ${worker.pid})`);
    const c = cluster;
    const client = new WorkerClient(worker.url, STEP_DEADLINE_MS);
    const run: Record<Side, () => Promise<StopSample>> = {
      manager: () => stopViaManager(ctx, c, events),
      worker: () => stopViaWorker(ctx, client, events),
      cli: () => stopViaCli(ctx, events, false),
      cliInit: () => stopViaCli(ctx, events, true),
      apiInit: () => stopViaApi(ctx, events),
    };
    const samples: Record<Side, StopSample[]> = { manager: [], worker: [], cli: [], cliInit: [], apiInit: [] };
    const order: Side[][] = [];
    for (let rep = 0; rep < WARMUP_REPS + REPS; rep++) {
      const sides = rotated(SIDES, rep);
      const counted = rep >= WARMUP_REPS;
      const line: string[] = [];
      for (const side of sides) {
        ctx.signal.throwIfAborted();
        const s = await run[side]();
        if (counted) samples[side].push(s);
        line.push(`${side} ${ms(s.goneAtMs - s.sentAtMs)}`);
      }
      if (counted) order.push(sides);
      ctx.progress(
        `stop: ${counted ? `rep ${rep - WARMUP_REPS + 1}/${REPS}` : `warm-up ${rep + 1}/${WARMUP_REPS}`}, until gone (ms): ${line.join(', ')}`,
      );
    }
    await worker.stop();
    await cluster.stop();
    await report(ctx, samples, order);
  } finally {
    await events.close();
    await worker?.stop();
    await cluster?.stop();
  }
}

function destroyOf(events: ContainerEventLog, sample: string): Promise<ContainerEventRecord> {
  return events.waitFor(
    (e) => e.action === 'destroy' && e.attributes[LABEL_BENCH_SAMPLE] === sample,
    `the destroy of sample ${sample}`,
    STEP_DEADLINE_MS,
  );
}

function labelsOf(ctx: BenchContext, sample: string): Record<string, string> {
  return { [LABEL_TEST_RUN]: ctx.runId, [LABEL_BENCH_SAMPLE]: sample };
}

async function stopViaManager(
  ctx: BenchContext,
  cluster: BenchCluster,
  events: ContainerEventLog,
): Promise<StopSample> {
  const sample = randomUUID();
  const { id, body } = cluster.task('bench-stop', { image: BENCH_IMAGE, command: COMMAND }, sample);
  await cluster.submitUntilRunning(id, body);
  const gone = destroyOf(events, sample);
  const sentAtMs = wallClockMs();
  await cluster.client.stopTask(id);
  const returnedAtMs = wallClockMs();
  return { sentAtMs, goneAtMs: (await gone).atMs, returnedAtMs };
}

async function stopViaWorker(ctx: BenchContext, client: WorkerClient, events: ContainerEventLog): Promise<StopSample> {
  const sample = randomUUID();
  const task = await client.startTask(
    { name: 'bench-stop', image: BENCH_IMAGE, command: COMMAND, labels: labelsOf(ctx, sample) },
    { waitMs: 5_000 },
  );
  if (task.state !== 'Running')
    throw new StopFailed(`task ${task.id} is ${task.state} instead of Running: ${task.reason}`);
  const gone = destroyOf(events, sample);
  const sentAtMs = wallClockMs();
  const stopped = await client.stopTask(task.id);
  const returnedAtMs = wallClockMs();
  if (stopped.state !== 'Completed') throw new StopFailed(`task ${task.id} is ${stopped.state} after DELETE`);
  return { sentAtMs, goneAtMs: (await gone).atMs, returnedAtMs };
}

async function stopViaCli(ctx: BenchContext, events: ContainerEventLog, init: boolean): Promise<StopSample> {
  const sample = randomUUID();
  const labels = Object.entries(labelsOf(ctx, sample)).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  const opts = { signal: ctx.signal, timeoutMs: CLI_TIMEOUT_MS };
  const id = (
    await dockerCli(['run', '-d', ...(init ? ['--init'] : []), ...labels, BENCH_IMAGE, ...COMMAND], opts)
  ).stdout.trim();
  try {
    const gone = destroyOf(events, sample);
    const stop = await dockerCli(['stop', '-t', String(GRACE_SECONDS), id], opts);
    const rm = await dockerCli(['rm', id], opts);
    return { sentAtMs: stop.startedAtMs, goneAtMs: (await gone).atMs, returnedAtMs: rm.exitedAtMs };
  } finally {
    await removeForce(ctx.docker, id);
  }
}

async function stopViaApi(ctx: BenchContext, events: ContainerEventLog): Promise<StopSample> {
  const sample = randomUUID();
  const container = await ctx.docker.createContainer({
    Image: BENCH_IMAGE,
    Cmd: COMMAND,
    Labels: labelsOf(ctx, sample),
    HostConfig: { Init: true },
  });
  try {
    await container.start();
    const gone = destroyOf(events, sample);
    const sentAtMs = wallClockMs();
    await container.stop({ t: GRACE_SECONDS });
    await container.remove();
    const returnedAtMs = wallClockMs();
    return { sentAtMs, goneAtMs: (await gone).atMs, returnedAtMs };
  } finally {
    await removeForce(ctx.docker, container.id);
  }
}

async function report(ctx: BenchContext, samples: Record<Side, StopSample[]>, order: Side[][]): Promise<void> {
  const rows = SIDES.map((side) =>
    series(
      METRIC[side],
      samples[side].map((s) => s.goneAtMs - s.sentAtMs),
    ),
  );
  const references = [
    { metric: METRIC.cli, title: 'docker stop+rm' },
    { metric: METRIC.cliInit, title: 'docker stop+rm --init' },
    { metric: METRIC.apiInit, title: 'engine API init' },
  ];
  const median = (side: Side): number => (rows.find((r) => r.metric === METRIC[side]) as Series).summary.medianMs;
  const returnedAfterGone = (side: Side): number =>
    summarize(samples[side].map((s) => s.returnedAtMs - s.goneAtMs)).medianMs;
  const vsCliMs = median('manager') - median('cli');
  const vsCliInitMs = median('manager') - median('cliInit');
  const met = vsCliMs < 0;
  const date = new Date().toISOString();
  const out = [
    headline(
      `stop: from the stop request until the container is gone (engine destroy event), ms, ${GRACE_SECONDS} s grace everywhere (${REPS} reps each after ${WARMUP_REPS} warm-up, interleaved)`,
      date,
      ctx.machine,
    ),
    formatComparison(rows, references),
    '',
    `When the caller's last call returned, relative to the destroy event (medians, ms): ${SIDES.map((side) => `${METRIC[side]} ${signedMs(returnedAfterGone(side))}`).join(', ')} ` +
      '(the manager answers DELETE once the stop is durable and stops in the background; the others answer after the removal).',
    '',
    `${goalLine(`faster than \`docker stop -t ${GRACE_SECONDS}\` + \`docker rm\` with the same grace`, `Poseidon median − docker median = ${signedMs(vsCliMs)} ms`, met)}; against a container run with --init: ${signedMs(vsCliInitMs)} ms`,
  ];
  await publishReport(
    ctx,
    { benchmark: 'stop', date, lines: out },
    {
      method: {
        image: BENCH_IMAGE,
        command: COMMAND,
        graceSeconds: GRACE_SECONDS,
        reps: REPS,
        warmupReps: WARMUP_REPS,
        interleaving: 'each rep runs every side once; the order rotates by one each rep',
        timed: Object.fromEntries(SIDES.map((side) => [METRIC[side], TIMED[side]])),
        untimed: 'starting the container before each sample',
      },
      series: rows,
      callerReturnedAfterGoneMs: Object.fromEntries(
        SIDES.map((side) => [METRIC[side], samples[side].map((s) => toMicroseconds(s.returnedAtMs - s.goneAtMs))]),
      ),
      order: order.map((o) => o.join(',')),
      goals: [
        {
          statement: `faster than docker stop -t ${GRACE_SECONDS} + docker rm (no init, as a person runs it)`,
          differenceMs: toMicroseconds(vsCliMs),
          met,
        },
        {
          statement: `for fairness: against docker stop -t ${GRACE_SECONDS} + docker rm on a container run with --init`,
          differenceMs: toMicroseconds(vsCliInitMs),
          met: vsCliInitMs < 0,
        },
      ],
    },
  );
}
