import { setTimeout as sleep } from 'node:timers/promises';
import { LABEL_WORKER } from '../src/driver/index.js';
import { BenchError } from './bench-error.js';
import { startCluster, type BenchCluster, type ClusterOptions } from './cluster-processes.js';
import { formatComparison, series, toMicroseconds, type Series } from './cluster-table.js';
import type { BenchContext, Benchmark } from './context.js';
import { removeByLabel } from '../testkit/cleanup.js';
import { assertImagePresent, BENCH_IMAGE } from './docker-engine.js';
import { wallClockMs } from './docker-events.js';
import { goalLine, headline, publishReport } from './report.js';
import { ms } from './table.js';

const TASKS_PER_WORKER = 10;
const WORKERS = 2;
const REPS = 5;
const COMMAND = ['sleep', '300'];
/** Generous: the default heartbeat grace is 3 s. */
const FAILOVER_DEADLINE_MS = 60_000;
const GOAL_MAX_MS = 5_000;
/** Untimed pause after each rep's clean-up, so its teardown does not overlap the next rep. */
const SETTLE_MS = 1_000;

/** One failover, in wall-clock ms: the kill, the manager's node.down, each lost task's task.started on the other node. */
export interface Failover {
  killedAtMs: number;
  downAtMs: number;
  /** When the manager had placed the last of them on the other worker (task.scheduled). */
  allPlacedAtMs: number;
  firstRunningAtMs: number;
  allRunningAtMs: number;
  tasksMoved: number;
  placement: Record<string, number>;
}

class FailoverFailed extends BenchError {}

export const failoverBenchmark: Benchmark = {
  name: 'failover',
  description: `two workers, ${TASKS_PER_WORKER} tasks each, kill -9 one: until its tasks run on the other (default settings), ${REPS} reps`,
  run: runFailover,
};

async function runFailover(ctx: BenchContext): Promise<void> {
  await assertImagePresent(ctx.docker);
  const results: Failover[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    ctx.signal.throwIfAborted();
    const f = await failoverOnce(ctx, rep);
    results.push(f);
    ctx.progress(
      `failover: rep ${rep + 1}/${REPS}: ${f.tasksMoved} tasks moved; detection ${ms(f.downAtMs - f.killedAtMs)} ms, ` +
        `rescheduling ${ms(f.allRunningAtMs - f.downAtMs)} ms, total ${ms(f.allRunningAtMs - f.killedAtMs)} ms (placement ${JSON.stringify(f.placement)})`,
    );
    await sleep(SETTLE_MS, undefined, { signal: ctx.signal });
  }
  await report(ctx, results);
}

/**
 * A fresh cluster each rep (manager and two workers, default failure settings); nothing is
 * restarted afterwards. Round-robin placement makes it 10 and 10 whatever the default strategy
 * does with twenty tasks that ask for nothing; after the kill only one node is left, so the
 * strategy plays no part in what is timed.
 */
async function failoverOnce(ctx: BenchContext, rep: number): Promise<Failover> {
  return failoverOn(ctx, { tag: `failover${rep + 1}`, workers: WORKERS, managerArgs: ['--scheduler', 'roundrobin'] });
}

/**
 * One failover on a cluster started for it (`opts`: two workers, and their own manager or a
 * group's, ClusterOptions.join); its workers are stopped and their containers removed
 * afterwards. bench/ha.ts runs it against a group of managers.
 */
export async function failoverOn(ctx: BenchContext, opts: ClusterOptions): Promise<Failover> {
  const cluster = await startCluster(ctx, opts);
  try {
    return await killAndWatch(ctx, cluster);
  } finally {
    await cluster.stop();
    // the killed worker's containers keep running (nobody is left to stop them), the others too: all go by label
    for (const name of cluster.workers.keys()) await removeByLabel(ctx.docker, `${LABEL_WORKER}=${name}`);
  }
}

async function killAndWatch(ctx: BenchContext, cluster: BenchCluster): Promise<Failover> {
  const tasks = Array.from({ length: TASKS_PER_WORKER * WORKERS }, (_, i) =>
    cluster.task(`bench-failover-${i}`, { image: BENCH_IMAGE, command: COMMAND }),
  );
  await Promise.all(tasks.map((t) => cluster.submitUntilRunning(t.id, t.body)));
  const placed = await cluster.client.listTasks();
  const placement: Record<string, number> = {};
  for (const name of cluster.workers.keys()) placement[name] = placed.filter((t) => t.node === name).length;
  // the busier worker dies (round-robin makes them even; this only matters if it did not)
  const [victimName, victim] =
    [...cluster.workers.entries()].sort(([a], [b]) => (placement[b] ?? 0) - (placement[a] ?? 0))[0] ?? [];
  const survivor = [...cluster.workers.keys()].find((n) => n !== victimName);
  if (victim === undefined || victimName === undefined || survivor === undefined)
    throw new FailoverFailed('the cluster has fewer than two workers');
  const lost = placed.filter((t) => t.node === victimName).map((t) => t.id);
  if (lost.length === 0) throw new FailoverFailed(`no task was placed on ${victimName}`);

  const down = cluster.events.waitFor(
    (e) => e.type === 'node.down' && e.node === victimName,
    `${victimName} Down`,
    FAILOVER_DEADLINE_MS,
  );
  const placedAgain = lost.map((id) =>
    cluster.events.waitFor(
      (e) => e.type === 'task.scheduled' && e.taskId === id && e.node === survivor,
      `task ${id} placed on ${survivor}`,
      FAILOVER_DEADLINE_MS,
    ),
  );
  const moved = lost.map((id) =>
    cluster.events.waitFor(
      (e) => e.type === 'task.started' && e.taskId === id && e.node === survivor,
      `task ${id} Running on ${survivor}`,
      FAILOVER_DEADLINE_MS,
    ),
  );
  const killedAtMs = wallClockMs();
  process.kill(victim.pid, 'SIGKILL'); // this worker's pid only
  const downAtMs = (await down).receivedAtMs;
  const runningAtMs = (await Promise.all(moved)).map((r) => r.receivedAtMs);
  const placedAtMs = (await Promise.all(placedAgain)).map((r) => r.receivedAtMs);
  return {
    killedAtMs,
    downAtMs,
    allPlacedAtMs: Math.max(...placedAtMs),
    firstRunningAtMs: Math.min(...runningAtMs),
    allRunningAtMs: Math.max(...runningAtMs),
    tasksMoved: lost.length,
    placement,
  };
}

/** The failover table's rows; the first is the total, which the goal judges. */
export function failoverSeries(results: readonly Failover[]): [Series, ...Series[]] {
  return [
    series(
      'total: kill → all its tasks Running elsewhere',
      results.map((f) => f.allRunningAtMs - f.killedAtMs),
    ),
    series(
      'detection: kill → node Down',
      results.map((f) => f.downAtMs - f.killedAtMs),
    ),
    series(
      'rescheduling: node Down → all Running',
      results.map((f) => f.allRunningAtMs - f.downAtMs),
    ),
    series(
      '  node Down → all placed on the other',
      results.map((f) => f.allPlacedAtMs - f.downAtMs),
    ),
    series(
      '  node Down → first Running',
      results.map((f) => f.firstRunningAtMs - f.downAtMs),
    ),
  ];
}

/** Per rep, as the result files keep it. */
export function failoverReps(results: readonly Failover[]): Array<Record<string, unknown>> {
  return results.map((f) => ({
    tasksMoved: f.tasksMoved,
    placement: f.placement,
    detectionMs: toMicroseconds(f.downAtMs - f.killedAtMs),
    reschedulingMs: toMicroseconds(f.allRunningAtMs - f.downAtMs),
    allPlacedAfterDownMs: toMicroseconds(f.allPlacedAtMs - f.downAtMs),
    firstRunningAfterDownMs: toMicroseconds(f.firstRunningAtMs - f.downAtMs),
    totalMs: toMicroseconds(f.allRunningAtMs - f.killedAtMs),
  }));
}

async function report(ctx: BenchContext, results: readonly Failover[]): Promise<void> {
  const rows = failoverSeries(results);
  const total = rows[0];
  const met = total.summary.maxMs < GOAL_MAX_MS;
  const date = new Date().toISOString();
  const moved = results.map((f) => f.tasksMoved);
  const out = [
    headline(
      `failover: ${WORKERS} workers, ${TASKS_PER_WORKER * WORKERS} tasks, kill -9 of the busier worker (${Math.min(...moved)}–${Math.max(...moved)} tasks on it), default settings (heartbeat every 1 s, Down after 3 s), ms (${REPS} reps, a fresh cluster each)`,
      date,
      ctx.machine,
    ),
    formatComparison(rows, []),
    '',
    goalLine(
      `under ${GOAL_MAX_MS / 1000} s with defaults, every rep`,
      `slowest total ${ms(total.summary.maxMs)} ms, median ${ms(total.summary.medianMs)} ms`,
      met,
    ),
  ];
  await publishReport(
    ctx,
    { benchmark: 'failover', date, lines: out },
    {
      method: {
        image: BENCH_IMAGE,
        command: COMMAND,
        workers: WORKERS,
        tasks: TASKS_PER_WORKER * WORKERS,
        reps: REPS,
        settings:
          'default heartbeat period and grace: `poseidon manager --scheduler roundrobin` (placement only: 10 and 10) and `poseidon worker --manager` with no other flags',
        timed:
          "SIGKILL of the worker process (by pid) → the manager's node.down event → the task.started event on the other worker for each of its tasks (GET /events, times when the bench received them)",
        afterwards: "nothing is restarted; processes stopped by pid, containers removed by their workers' labels",
      },
      series: rows,
      reps: failoverReps(results),
      goal: {
        statement: `every failover under ${GOAL_MAX_MS} ms with default settings`,
        slowestMs: toMicroseconds(total.summary.maxMs),
        medianMs: toMicroseconds(total.summary.medianMs),
        met,
      },
    },
  );
}
