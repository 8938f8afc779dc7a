import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkerClient, type ManagerClient } from '../src/client/index.js';
import { LABEL_WORKER } from '../src/driver/index.js';
import { parseProcessStat } from '../src/stats/index.js';
import { containersByLabel, LABEL_TEST_RUN } from '../testkit/cleanup.js';
import { adminClient, asManager, cliEnv, readManagerAccess, type ManagerAccess } from '../testkit/manager-access.js';
import { POSEIDON_BIN, spawnManager, spawnPoseidon, spawnWorker, type PoseidonProcess } from '../testkit/spawner.js';
import { BenchError } from './bench-error.js';
import { ManagerEventLog, type ReceivedClusterEvent } from './cluster-events.js';
import type { BenchContext } from './context.js';
import { timedCommand, type CommandOptions, type CommandRun } from './docker-cli.js';
import { wallClockMs } from './docker-events.js';

/** Put on every container of one sample, so its engine events are found by label. */
export const LABEL_BENCH_SAMPLE = 'poseidon.bench-sample';
/** How long a node may take to show Up after its process listens. */
const JOIN_TIMEOUT_MS = 15_000;
/** A task that is not Running (or stopped) by then has failed the benchmark. */
const TASK_DEADLINE_MS = 60_000;
/** The worker name `poseidon dev` always uses (it has no --name). */
const DEV_WORKER = 'dev-worker';

/** `poseidon ARGS` as a person runs it (`node bin/poseidon.js`, which `npm link` puts on PATH), timed to its exit. */
export function poseidonCli(args: readonly string[], opts: CommandOptions): Promise<CommandRun> {
  return timedCommand(process.execPath, [POSEIDON_BIN, ...args], opts);
}

/** The task did not reach the state a benchmark waited for. */
export class TaskDidNotRun extends BenchError {}

/** `poseidon dev` would adopt containers that are not ours. */
export class DevUnsafe extends BenchError {}

/** One timed submission: POST /tasks sent until the manager's task.started event arrived. */
export interface SubmittedTask {
  id: string;
  sentAtMs: number;
  runningAtMs: number;
  totalMs: number;
}

/**
 * A manager and its workers as the bench spawned them (separate processes, or one
 * `poseidon dev`), with the manager's event stream followed from the start.
 */
export class BenchCluster {
  /** The Manager API as an admin, over TLS that trusts the cluster's CA. */
  readonly client: ManagerClient;

  constructor(
    /** Null when the workers joined managers the caller started and stops (a group: ClusterOptions.join). */
    readonly manager: PoseidonProcess | null,
    /** Its CA, join token and admin token, from its data dir: what a user has (a group's: its URLs, comma-separated). */
    readonly access: ManagerAccess,
    /** By worker name; empty for `poseidon dev` (its worker lives in the manager's process). */
    readonly workers: ReadonlyMap<string, PoseidonProcess>,
    readonly events: ManagerEventLog,
    private readonly runId: string,
  ) {
    this.client = adminClient(access, 30_000);
  }

  /**
   * The environment of a `poseidon` CLI run against this cluster: its URL, admin token and CA, and
   * a config home of its own, never the user's.
   */
  get cliEnv(): NodeJS.ProcessEnv {
    return { ...process.env, ...cliEnv(this.access), XDG_CONFIG_HOME: join(this.access.dataDir, 'cli-config') };
  }

  /** A task body carrying the run's label and a sample label, with a fresh id. */
  task(
    name: string,
    fields: Record<string, unknown>,
    sample: string = randomUUID(),
  ): { id: string; body: Record<string, unknown> } {
    const id = randomUUID();
    const labels = { [LABEL_TEST_RUN]: this.runId, [LABEL_BENCH_SAMPLE]: sample };
    return { id, body: { id, name, ...fields, labels } };
  }

  /** POST /tasks, timed until the task.started event for it arrives; fails if it exits first. */
  async submitUntilRunning(id: string, body: Record<string, unknown>): Promise<SubmittedTask> {
    const outcome = this.#startOutcome(id);
    const sentAtMs = wallClockMs();
    await this.client.submit(body);
    const seen = await outcome;
    if (seen.event.type !== 'task.started')
      throw new TaskDidNotRun(`task ${id} ended before Running: ${seen.event.reason ?? seen.event.type}`);
    return { id, sentAtMs, runningAtMs: seen.receivedAtMs, totalMs: seen.receivedAtMs - sentAtMs };
  }

  /** Resolves on the task's task.started, or on its task.exited if it never ran. */
  #startOutcome(id: string): Promise<ReceivedClusterEvent> {
    return this.events.waitFor(
      (e) => e.taskId === id && (e.type === 'task.started' || e.type === 'task.exited'),
      `task ${id} Running`,
      TASK_DEADLINE_MS,
    );
  }

  /** Untimed: DELETE /tasks/{id}, then wait until the manager says it ended (its container is gone by then). */
  async stopAndWait(id: string): Promise<void> {
    const ended = this.events.waitFor(
      (e) => e.taskId === id && e.type === 'task.exited',
      `task ${id} stopped`,
      TASK_DEADLINE_MS,
    );
    await this.client.stopTask(id);
    await ended;
  }

  /** CPU time (user + system, ms) the manager (when it is this cluster's) and worker processes have used so far. */
  async cpuMs(): Promise<number> {
    const pids = [
      ...(this.manager === null ? [] : [this.manager.pid]),
      ...[...this.workers.values()].map((w) => w.pid),
    ];
    return (await Promise.all(pids.map(processCpuMs))).reduce((a, b) => a + b, 0);
  }

  /** Stops the workers and its manager by pid (SIGTERM, then SIGKILL); their containers stay for cleanup by label. */
  async stop(): Promise<void> {
    await this.events.close();
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    await this.manager?.stop();
  }
}

export interface ClusterOptions {
  /** Short name for this cluster in worker names and progress lines. */
  tag: string;
  workers: number;
  workerArgs?: readonly string[];
  managerArgs?: readonly string[];
  /**
   * The workers join these managers (a group the caller started and stops; their URLs
   * comma-separated in `url`) instead of a manager of the cluster's own.
   */
  join?: ManagerAccess;
}

/** A manager and `workers` workers as separate processes on 127.0.0.1, each with its own temp data dir. */
export async function startCluster(ctx: BenchContext, opts: ClusterOptions): Promise<BenchCluster> {
  const dir = await tempDir(ctx);
  const { process: manager, access } =
    opts.join === undefined
      ? await spawnManager(join(dir, 'manager'), opts.managerArgs ?? [], {
          onSpawn: (p) => ctx.resources.trackProcess(p),
        })
      : { process: null, access: opts.join };
  const names = Array.from({ length: opts.workers }, (_, i) => `${ctx.runId}-${opts.tag}-w${i + 1}`);
  for (const name of names) ctx.resources.trackWorkerName(name);
  const workers = await Promise.all(
    names.map((name) =>
      spawnWorker(access, ['--port', '0', '--name', name, '--data-dir', join(dir, name), ...(opts.workerArgs ?? [])], {
        onSpawn: (p) => ctx.resources.trackProcess(p),
      }),
    ),
  );
  const client = adminClient(access, 30_000);
  const events = await ManagerEventLog.follow(client, ctx.signal);
  const cluster = new BenchCluster(
    manager,
    access,
    new Map(names.map((n, i) => [n, workers[i] as PoseidonProcess])),
    events,
    ctx.runId,
  );
  await waitForNodesUp(cluster.client, names, ctx.signal);
  ctx.progress(
    `${opts.tag}: manager ${manager === null ? access.url : `${manager.url} (pid ${manager.pid})`}, workers ${names.map((n, i) => `${n} (pid ${workers[i]?.pid})`).join(', ')}`,
  );
  return cluster;
}

/**
 * `poseidon dev`: manager and worker in one process. Its worker is always named
 * `dev-worker` and adopts running containers with that label, so the bench refuses to start
 * one while such containers exist (they belong to someone else's dev cluster).
 */
export async function startDev(ctx: BenchContext, tag: string): Promise<BenchCluster> {
  const foreign = await containersByLabel(ctx.docker, `${LABEL_WORKER}=${DEV_WORKER}`);
  if (foreign.length > 0)
    throw new DevUnsafe(
      `${foreign.length} container(s) labelled ${LABEL_WORKER}=${DEV_WORKER} exist; a bench \`poseidon dev\` would adopt them`,
    );
  const dir = await tempDir(ctx);
  // its first "listening" line is the manager's; the worker joins right after
  const dev = await spawnPoseidon(
    ['dev', '--port', '0', '--worker-port', '0', '--data-dir', dir, '--log-level', 'info'],
    // the CLI credentials it saves go to the run's own config dir, not the user's
    { onSpawn: (p) => ctx.resources.trackProcess(p), env: { XDG_CONFIG_HOME: join(dir, 'config') } },
  );
  const access = await readManagerAccess(dev.url, join(dir, 'manager'));
  const events = await ManagerEventLog.follow(adminClient(access, 30_000), ctx.signal);
  const cluster = new BenchCluster(dev, access, new Map(), events, ctx.runId);
  await waitForNodesUp(cluster.client, [DEV_WORKER], ctx.signal);
  ctx.progress(`${tag}: poseidon dev at ${dev.url} (pid ${dev.pid})`);
  return cluster;
}

/** A worker the bench calls directly, and the manager whose cluster it joined. */
export interface DirectWorker {
  worker: PoseidonProcess;
  manager: PoseidonProcess;
  /** The Worker API with the manager's certificate, as the manager calls it. */
  client: WorkerClient;
  stop(): Promise<void>;
}

/**
 * A worker driven directly (a task started on a worker that reports to a manager would be
 * stopped by it as unknown): it joins a manager of its own with the join token but does not
 * register (`--no-register`), and the bench calls it with that manager's certificate, as a
 * manager does: a worker answers nobody else.
 */
export async function startDirectWorker(
  ctx: BenchContext,
  opts: { name: string; dataDir: string; args?: readonly string[]; timeoutMs: number },
): Promise<DirectWorker> {
  const track = { onSpawn: (p: PoseidonProcess) => ctx.resources.trackProcess(p) };
  const { process: manager, access } = await spawnManager(join(opts.dataDir, 'manager'), [], track);
  const worker = await spawnWorker(
    access,
    [
      '--no-register',
      '--port',
      '0',
      '--name',
      opts.name,
      '--data-dir',
      join(opts.dataDir, 'worker'),
      ...(opts.args ?? []),
    ],
    track,
  );
  return {
    worker,
    manager,
    client: new WorkerClient(worker.url, opts.timeoutMs, { tls: asManager(access) }),
    async stop() {
      await worker.stop();
      await manager.stop();
    },
  };
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of one process from /proc, in ms. */
export async function processCpuMs(pid: number): Promise<number> {
  const stat = parseProcessStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  return ((stat.userTicks + stat.systemTicks) * 1000) / CLOCK_TICKS_PER_SECOND;
}

function tempDir(ctx: BenchContext): Promise<string> {
  return ctx.resources.tempDir('poseidon-bench');
}

async function waitForNodesUp(client: ManagerClient, names: readonly string[], signal: AbortSignal): Promise<void> {
  const deadline = performance.now() + JOIN_TIMEOUT_MS;
  for (;;) {
    const nodes = await client.listNodes();
    const up = new Set(nodes.filter((n) => n.state === 'Up').map((n) => n.name));
    if (names.every((n) => up.has(n))) return;
    if (performance.now() > deadline)
      throw new BenchError(
        `workers ${names.filter((n) => !up.has(n)).join(', ')} did not join the manager within ${JOIN_TIMEOUT_MS} ms`,
      );
    await sleep(20, undefined, { signal });
  }
}
