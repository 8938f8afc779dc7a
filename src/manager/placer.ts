import type { Logger } from 'pino';
import type { UnplaceableView } from '../api/index.js';
import type { Clock } from '../clock/index.js';
import {
  explain,
  explainNever,
  hostPortKey,
  Scheduler,
  type Placement,
  type Scorer,
  type VolumeHome,
} from '../scheduler/index.js';
import { TaskState, type TaskRequest } from '../task/index.js';
import { requestedPorts } from './allocations.js';
import { ClusterPool } from './cluster-pool.js';
import type { ManagerMetrics } from './metrics.js';
import type { NodeEntry, TaskRecord } from './records.js';
import { chargedNode } from './transitions.js';

/**
 * Where tasks go: the scheduler over the cluster pool, which it keeps charged with what every
 * task's latest record holds (follow), including placements a pass has chosen but not yet
 * written, so the next task of the same pass sees them. A placement that is not written after
 * all is undone by following the record the write put back.
 */
export class Placer {
  readonly pool: ClusterPool;
  /** Since when each Pending task has waited (for the scheduling latency metric). */
  readonly #pendingSince = new Map<string, number>();

  constructor(
    private readonly deps: {
      strategy: Scorer;
      clock: Clock;
      log: Logger;
      metrics: Pick<ManagerMetrics, 'placements' | 'schedulingSeconds'>;
      /** The nodes holding the named volumes the task mounts (volume affinity); none by default. */
      volumeHomes?(request: TaskRequest): VolumeHome[];
    },
  ) {
    this.pool = new ClusterPool(new Scheduler(deps.strategy));
  }

  /**
   * Charges the task where its record says it runs (nothing when it holds no container, or when
   * the task is gone). True when this released resources: capacity grew.
   */
  follow(id: string, rec: TaskRecord | undefined): boolean {
    if (rec === undefined) {
      this.#pendingSince.delete(id);
      return this.pool.release(id);
    }
    if (rec.state === TaskState.Pending) {
      if (!this.#pendingSince.has(id)) this.#pendingSince.set(id, this.deps.clock.now());
    } else {
      this.#pendingSince.delete(id);
    }
    const released = this.pool.set(id, rec.request, chargedNode(rec), rec.generation);
    // the ports the engine picked: a task that asks for one by number must not be placed beside them
    const bound = rec.ports.length === 0 ? NO_KEYS : boundKeys(rec);
    return this.pool.setBound(id, bound) || released;
  }

  /** A node registered, beat, or changed state. True when a host port held outside Poseidon there was freed. */
  setNode(entry: NodeEntry): boolean {
    return this.pool.setNode(entry);
  }

  /** A node left the cluster for good (`node rm`): nothing is placed there, nor counted in explanations. */
  removeNode(nodeId: string): void {
    this.pool.removeNode(nodeId);
  }

  /**
   * Where a task should go: its preferred node when that is up and it fits there (a restart stays
   * where its image is), else the scheduler's fast path; or why no node can take it. A task that
   * mounts a named volume a node holds goes only to that node.
   */
  choose(request: TaskRequest, preferNodeId: string | null = null): Placement {
    return this.pool.choose(request, preferNodeId, this.#homes(request));
  }

  /**
   * Where a service's replica should go: the node with the fewest replicas of its service first;
   * a replica whose slot's volume a node holds goes only there, as any task that mounts it.
   */
  chooseSpread(request: TaskRequest, replicasOn: (nodeId: string) => number): Placement {
    return this.pool.chooseSpread(request, replicasOn, this.#homes(request));
  }

  /**
   * A replica no node can take now, nor once the tasks `leaving` have stopped, that one could were
   * the older replicas of its slot (`held`) gone too, as when a start-first update finds no room
   * for both versions: that node, else undefined.
   */
  roomHeldBy(request: TaskRequest, held: readonly string[], leaving: readonly string[]): string | undefined {
    return this.pool.roomHeldBy(request, held, leaving, this.#homes(request));
  }

  #homes(request: TaskRequest): VolumeHome[] {
    return request.volumes === undefined ? [] : (this.deps.volumeHomes?.(request) ?? []);
  }

  /** Counts a placement (or a task that fits nowhere) and the time it waited. */
  placed(id: string, ok: boolean): void {
    this.deps.metrics.placements.inc({ result: ok ? 'placed' : 'unplaced' });
    if (!ok) return;
    const since = this.#pendingSince.get(id);
    if (since !== undefined) this.deps.metrics.schedulingSeconds.observe((this.deps.clock.now() - since) / 1000);
    this.#pendingSince.delete(id);
  }

  explain(p: Extract<Placement, { ok: false }>): string {
    return explain(p.explanation);
  }

  /**
   * For a task choose() found no node for: why no node could ever hold it, and the filter behind the
   * reason that keeps out the most nodes; undefined when one could (it waits for room).
   */
  unplaceable(request: TaskRequest): UnplaceableView | undefined {
    const never = this.pool.neverFits(request, this.#homes(request));
    return never === undefined ? undefined : { reason: explainNever(never), cause: never.cause };
  }
}

const NO_KEYS: readonly string[] = [];

/**
 * Host ports the task's container bound for ports that asked for none (`hostPort` 0), as `"32768/tcp"`,
 * or on the host address its port asked for (`"127.0.0.1:32768/tcp"`: a worker reports no address).
 */
function boundKeys(rec: TaskRecord): readonly string[] {
  const requested = new Set(requestedPorts(rec.request));
  const asked = rec.request.ports;
  const keys = rec.ports
    .filter((p) => p.host > 0)
    .map((p) => {
      const port = asked.find((q) => q.containerPort === p.container && q.protocol === p.protocol);
      return hostPortKey(p.host, p.protocol, p.hostIp ?? port?.hostIp);
    })
    .filter((k) => !requested.has(k));
  return keys.length === 0 ? NO_KEYS : [...new Set(keys)].sort();
}
