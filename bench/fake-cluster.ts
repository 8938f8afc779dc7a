import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagerClient } from '../src/client/index.js';
import { FakeWorkerFleet } from '../testkit/fake-worker-fleet.js';
import { adminClient, type ManagerAccess } from '../testkit/manager-access.js';
import { spawnManager, type PoseidonProcess } from '../testkit/spawner.js';
import { BenchError } from './bench-error.js';
import type { BenchContext } from './context.js';

/** How long the fake workers may take to show Up in `GET /nodes`. */
const JOIN_DEADLINE_MS = 15_000;
/** How often the bench reads which tasks reached a worker. */
const DISPATCH_POLL_MS = 50;

/** What a fake worker's heartbeat carries: the digest of its active tasks, as `poseidon worker` sends (the real reporter). */
export type HeartbeatMode = 'digest';

/** What a benchmark got: a real manager process, and fake workers in a process of their own. */
export interface FakeCluster {
  readonly manager: PoseidonProcess;
  /** Its CA, join token, admin token and certificate, as its data dir holds them. */
  readonly access: ManagerAccess;
  /** The Manager API as an admin. */
  readonly client: ManagerClient;
  readonly workers: FakeWorkerFleet;
  /** Task id -> when its first dispatch reached a fake worker (this process's performance.now() ms); kept current. */
  readonly dispatchedAt: ReadonlyMap<string, number>;
  readonly heartbeat: HeartbeatMode;
  /** Stops the manager, then the fake workers (the other way round, the manager would see every node go down); idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `poseidon manager --port 0` on a temp data dir and `workers` fake workers
 * (testkit/fake-worker.ts: the real Worker, its routes and its reporter over a fake driver) in a
 * process of their own, each listening on 127.0.0.1 and joined to the manager as `poseidon
 * worker --manager` joins; all tracked for cleanup. Resolves once the manager lists them all Up.
 * On failure everything started so far is stopped before the error is thrown.
 */
export async function startFakeCluster(
  ctx: BenchContext,
  label: string,
  workers: number,
  managerArgs: readonly string[] = [],
): Promise<FakeCluster> {
  const track = { onSpawn: (p: PoseidonProcess) => ctx.resources.trackProcess(p) };
  const dataDir = await ctx.resources.tempDir(`poseidon-bench-${label}`);
  const { process: manager, access } = await spawnManager(dataDir, managerArgs, track);
  ctx.progress(`${label}: manager listening at ${manager.url} (pid ${manager.pid})`);
  let fleet: FakeFleet | undefined;
  let stopped: Promise<void> | undefined;
  // the manager first: the other way round, it would see every node go down
  const stop = (): Promise<void> => (stopped ??= fleet?.stop(() => manager.stop()) ?? manager.stop());
  try {
    fleet = await joinFakeWorkers(ctx, label, access, workers);
    return {
      manager,
      access,
      client: fleet.client,
      workers: fleet.workers,
      dispatchedAt: fleet.dispatchedAt,
      heartbeat: 'digest',
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Fake workers joined to managers someone else started (FakeCluster without the manager). */
export interface FakeFleet {
  /** The Manager API as an admin, through the managers joined. */
  readonly client: ManagerClient;
  readonly workers: FakeWorkerFleet;
  /** As FakeCluster.dispatchedAt. */
  readonly dispatchedAt: ReadonlyMap<string, number>;
  /** Stops following dispatches, runs `first` (stopping the managers), then stops the workers; idempotent. */
  stop(first?: () => Promise<void>): Promise<void>;
}

/**
 * `workers` fake workers in a process of their own, joined to the managers `access` names (one
 * URL, or a group's, comma-separated), tracked for cleanup; resolves once the managers list
 * them all Up. On failure what it started is stopped before the error is thrown.
 */
export async function joinFakeWorkers(
  ctx: BenchContext,
  label: string,
  access: ManagerAccess,
  workers: number,
): Promise<FakeFleet> {
  const dispatchedAt = new Map<string, number>();
  const polling = new AbortController();
  let fleet: FakeWorkerFleet | undefined;
  let poller: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (first?: () => Promise<void>): Promise<void> => {
    stopped ??= (async () => {
      polling.abort();
      await poller;
      await first?.();
      await fleet?.stop();
    })();
    return stopped;
  };
  try {
    fleet = await FakeWorkerFleet.start({
      managerUrl: access.url,
      joinToken: access.joinToken,
      workers,
      namePrefix: `${ctx.runId}-${label}`,
      onSpawn: (p) => ctx.resources.trackProcess(p),
    });
    for (const name of fleet.names) ctx.resources.trackWorkerName(name);
    poller = pollDispatches(fleet, dispatchedAt, polling.signal);
    const client = adminClient(access, 30_000);
    const began = performance.now();
    for (;;) {
      ctx.signal.throwIfAborted();
      const nodes = await client.listNodes();
      if (nodes.filter((n) => n.state === 'Up').length >= workers) break;
      if (performance.now() - began > JOIN_DEADLINE_MS) {
        throw new BenchError(
          `${label}: only ${nodes.filter((n) => n.state === 'Up').length} of ${workers} fake workers Up after ${JOIN_DEADLINE_MS} ms`,
        );
      }
      await sleep(100);
    }
    ctx.progress(`${label}: ${workers} fake workers joined (pid ${fleet.process.pid}; heartbeats: digest)`);
    return { client, workers: fleet, dispatchedAt, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Keeps `into` current with the fleet's first dispatches, in this process's performance.now() ms. */
async function pollDispatches(fleet: FakeWorkerFleet, into: Map<string, number>, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      for (const [taskId, epochMs] of await fleet.dispatched()) into.set(taskId, epochMs - performance.timeOrigin);
      await sleep(DISPATCH_POLL_MS, undefined, { signal });
    } catch {
      if (signal.aborted) return;
      await sleep(DISPATCH_POLL_MS, undefined, { signal }).catch(() => undefined);
    }
  }
}

/** Heartbeats the fake workers sent, and how many failed (with the last failure). */
export async function heartbeatHealth(cluster: FakeCluster): Promise<HeartbeatHealth> {
  const h = await cluster.workers.heartbeats();
  return { mode: cluster.heartbeat, sent: h.sent, failed: h.failed, resyncs: h.resyncs, lastError: h.lastError };
}

export interface HeartbeatHealth {
  mode: HeartbeatMode;
  sent: number;
  failed: number;
  /** Replies that asked a worker for its full task list. */
  resyncs: number;
  lastError: string | undefined;
}
