import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ResourcesView } from '../src/api/index.js';
import { ManagerClient } from '../src/client/index.js';
import { BenchError } from './bench-error.js';
import type { BenchContext } from './context.js';
import { spawnPoseidon, type PoseidonProcess } from './processes.js';
import { SimWorker, type HeartbeatMode } from './sim-worker.js';

const GiB = 2 ** 30;

/** Room for 200,000 tasks of 0.01 cores and 4 MiB each over 50 workers, with plenty to spare. */
export const SIM_WORKER_CAPACITY: ResourcesView = { cpuCores: 128, memoryBytes: 1024 * GiB, diskBytes: 4096 * GiB };

/** How long the simulated workers may take to show Up in `GET /nodes`. */
const JOIN_DEADLINE_MS = 15_000;

/**
 * What the simulated workers' heartbeats carry: `digest` (src/api/task-digest.ts, as `poseidon
 * worker` sends) unless the environment says POSEIDON_BENCH_HEARTBEAT=full (every active task
 * each beat, as workers did before).
 */
export function heartbeatMode(): HeartbeatMode {
  const mode = process.env.POSEIDON_BENCH_HEARTBEAT ?? 'digest';
  if (mode !== 'full' && mode !== 'digest')
    throw new BenchError(`POSEIDON_BENCH_HEARTBEAT is "${mode}"; use full or digest`);
  return mode;
}

/** What a benchmark got: a real manager process and simulated workers in this process. */
export interface SimCluster {
  readonly manager: PoseidonProcess;
  readonly client: ManagerClient;
  readonly workers: readonly SimWorker[];
  /** Task id -> when its first dispatch reached a simulated worker (performance.now() ms). */
  readonly dispatchedAt: ReadonlyMap<string, number>;
  readonly heartbeat: HeartbeatMode;
  /** Stops the manager, then the simulated workers (the other way round, the manager would see every node go down); idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `poseidon manager --port 0` on a temp data dir (both tracked for cleanup) and
 * `workers` simulated workers that register with it; resolves once the manager lists them all Up.
 * On failure everything started so far is stopped before the error is thrown.
 */
export async function startSimCluster(
  ctx: BenchContext,
  label: string,
  workers: number,
  heartbeat: HeartbeatMode,
  managerArgs: readonly string[] = [],
): Promise<SimCluster> {
  const dataDir = await mkdtemp(join(tmpdir(), `poseidon-bench-${label}-`));
  ctx.resources.trackTempDir(dataDir);
  const manager = await spawnPoseidon(['manager', '--port', '0', '--data-dir', dataDir, ...managerArgs], (p) =>
    ctx.resources.trackProcess(p),
  );
  ctx.progress(`${label}: manager listening at ${manager.url} (pid ${manager.pid})`);
  const dispatchedAt = new Map<string, number>();
  const sims: SimWorker[] = [];
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await manager.stop();
      await Promise.all(sims.map((w) => w.stop()));
    })();
    return stopped;
  };
  try {
    for (let i = 0; i < workers; i++) {
      const w = new SimWorker({
        name: `${ctx.runId}-sim-${String(i).padStart(3, '0')}`,
        managerUrl: manager.url,
        capacity: SIM_WORKER_CAPACITY,
        onFirstDispatch: (taskId, atMs) => dispatchedAt.set(taskId, atMs),
        heartbeat,
      });
      sims.push(w);
      await w.start();
    }
    const client = new ManagerClient(manager.url, 30_000);
    const began = performance.now();
    for (;;) {
      ctx.signal.throwIfAborted();
      const nodes = await client.listNodes();
      if (nodes.filter((n) => n.state === 'Up').length >= workers) break;
      if (performance.now() - began > JOIN_DEADLINE_MS) {
        throw new BenchError(
          `${label}: only ${nodes.filter((n) => n.state === 'Up').length} of ${workers} simulated workers Up after ${JOIN_DEADLINE_MS} ms`,
        );
      }
      await sleep(100);
    }
    ctx.progress(`${label}: ${workers} simulated workers joined (heartbeats: ${heartbeat})`);
    return { manager, client, workers: sims, dispatchedAt, heartbeat, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Sum of the tasks the simulated workers hold Running. */
export function runningOnWorkers(cluster: SimCluster): number {
  let n = 0;
  for (const w of cluster.workers) n += w.running;
  return n;
}

/** Heartbeats the simulated workers sent, and how many failed (with the last failure). */
export function heartbeatHealth(cluster: SimCluster): HeartbeatHealth {
  let sent = 0;
  let failed = 0;
  let resyncs = 0;
  let lastError: string | undefined;
  for (const w of cluster.workers) {
    sent += w.heartbeats;
    failed += w.heartbeatFailures;
    resyncs += w.resyncs;
    lastError = w.lastHeartbeatError ?? lastError;
  }
  return { mode: cluster.heartbeat, sent, failed, resyncs, lastError };
}

export interface HeartbeatHealth {
  mode: HeartbeatMode;
  sent: number;
  failed: number;
  /** Replies that asked a worker for its full task list (digest mode). */
  resyncs: number;
  lastError: string | undefined;
}
