import type { Logger } from 'pino';
import type { NodeState } from '../api/index.js';
import type { Clock } from '../clock/index.js';
import { isActive, TaskState } from '../task/index.js';
import type { ClusterState } from './cluster-state.js';
import type { Dispatcher } from './dispatcher.js';
import type { ManagerMetrics } from './metrics.js';
import type { Placer } from './placer.js';
import type { Planner } from './plan.js';
import { reconcile } from './reconcile.js';
import { ReconcileLoop } from './reconcile-loop.js';
import type { TaskRecord } from './records.js';
import type { RestartSupervisor } from './restart-supervisor.js';
import type { Submissions } from './submissions.js';

/**
 * The reconcile loop. Events only mark tasks dirty and kick the loop; each pass decides on what
 * changed since the last one (every task after start and on each sweep, the safety net), turns
 * reconcile's actions into a plan, writes it in one commit, and only then dispatches, stops and
 * sets wake-ups. A pass costs O(what changed), not O(all tasks).
 */
export class Orchestrator {
  readonly #loop: ReconcileLoop;
  /** Tasks whose inputs to reconcile changed since the last pass: the next pass decides on these only. */
  #dirty = new Set<string>();
  /** Tasks in state Pending: looked at again when capacity may have grown. */
  readonly #waiting = new Set<string>();
  /** Capacity may have grown (a task left a node, a node came up): the next pass retries every waiting task. */
  #capacityGrew = false;
  /** The next pass decides on every task (after start, and on each sweep). */
  #fullPass = true;
  #cancelSweep: (() => void) | undefined;
  #stopped = false;

  constructor(
    private readonly deps: {
      state: ClusterState;
      placer: Placer;
      planner: Planner;
      dispatcher: Dispatcher;
      supervisor: RestartSupervisor;
      submissions: Submissions;
      /** Services: their step runs first in each pass and returns the tasks it created or stopped. */
      services: { step(all: boolean): Promise<string[]>; start(): void; stop(): void };
      /** Whether a stop waits (the replica drains first; the gate sends the stop itself); absent: none waits. */
      stopGate?(taskId: string, nodeId: string): boolean;
      nodeStates(): ReadonlyMap<string, NodeState>;
      /** Nodes an operator drained; absent: none. */
      drainedNodes?(): ReadonlySet<string>;
      clock: Clock;
      log: Logger;
      metrics: Pick<ManagerMetrics, 'reconcileSeconds'>;
      sweepMs: number;
    },
  ) {
    this.#loop = new ReconcileLoop(() => this.#pass(), deps.log);
  }

  /**
   * Keeps what decisions read in step with a task's latest record: its charge on a node, whether
   * it waits for capacity, whether a dispatch of it is still unconfirmed.
   */
  follow(id: string, rec: TaskRecord | undefined): void {
    if (this.deps.placer.follow(id, rec)) this.#capacityGrew = true;
    if (rec?.state === TaskState.Pending) this.#waiting.add(id);
    else this.#waiting.delete(id);
    if (rec === undefined || !isActive(rec.state) || rec.state === TaskState.Running) this.deps.dispatcher.settled(id);
  }

  start(): void {
    this.deps.services.start();
    this.#sweep();
    this.#loop.kick();
  }

  /** Stops the sweep and waits for the pass in progress; no pass starts afterwards. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelSweep?.();
    this.deps.services.stop();
    await this.#loop.idle();
  }

  /** Resolves when no pass is running or due. */
  idle(): Promise<void> {
    return this.#loop.idle();
  }

  /** These tasks changed outside a pass: the next pass decides on them. */
  changed(ids: Iterable<string>): void {
    for (const id of ids) this.#dirty.add(id);
    this.#loop.kick();
  }

  /** A node came up or registered: its tasks may need dispatching, and there may be room for waiting ones. */
  nodeUp(nodeId: string): void {
    for (const id of this.deps.placer.pool.of(nodeId).tasks) this.#dirty.add(id);
    this.#capacityGrew = true;
    this.#loop.kick();
  }

  /** Room appeared outside any task's release (a host port freed on a node): the waiting tasks are tried again. */
  roomGrew(): void {
    this.#capacityGrew = true;
    this.#loop.kick();
  }

  /** A node was drained: its tasks move (reconcile decides on each). */
  nodeDrained(nodeId: string): void {
    this.changed(this.deps.placer.pool.of(nodeId).tasks);
  }

  /** A node went down: its tasks are lost there. */
  nodeDown(nodeId: string): void {
    this.changed(this.deps.placer.pool.of(nodeId).tasks);
  }

  #sweep(): void {
    if (this.#stopped) return;
    this.#cancelSweep = this.deps.clock.setTimer(this.deps.sweepMs, () => {
      this.#fullPass = true;
      this.#loop.kick();
      this.#sweep();
    });
  }

  /**
   * The tasks this pass decides on: all of them on a full pass, else the dirty ones (and the
   * waiting ones when capacity grew).
   */
  #takeDirty(): ReadonlyMap<string, TaskRecord> {
    const { state } = this.deps;
    if (this.#fullPass) {
      this.#fullPass = false;
      this.#capacityGrew = false;
      this.#dirty.clear();
      return state.tasks;
    }
    const ids = this.#dirty;
    this.#dirty = new Set();
    if (this.#capacityGrew) {
      this.#capacityGrew = false;
      for (const id of this.#waiting) ids.add(id);
    }
    const tasks = new Map<string, TaskRecord>();
    for (const id of ids) {
      const rec = state.task(id);
      if (rec !== undefined) tasks.set(id, rec);
    }
    return tasks;
  }

  async #pass(): Promise<void> {
    if (this.#stopped) return; // stop() waits for in-flight work; nothing new starts after it
    const began = performance.now();
    const { state, dispatcher } = this.deps;
    // services first: the tasks they create are placed, and those they stop stopped, in this pass
    for (const id of await this.deps.services.step(this.#fullPass)) this.#dirty.add(id);
    const tasks = this.#takeDirty();
    const fresh = this.deps.submissions.take();
    if (tasks.size === 0 && fresh.size === 0) return;
    let plan;
    try {
      const snapshot = {
        tasks,
        nodeStates: this.deps.nodeStates(),
        dispatchedAt: dispatcher.dispatchedAt,
        stopping: dispatcher.stopping,
        ...(this.deps.drainedNodes === undefined ? {} : { drained: this.deps.drainedNodes() }),
      };
      plan = this.deps.planner.plan(reconcile(snapshot, this.deps.clock.now()), fresh.ids());
      await state.commit(plan.changes);
    } catch (err) {
      for (const id of fresh.ids()) state.drop(id); // a pass that failed before its write
      fresh.failed(err);
      throw err;
    }
    fresh.written();
    // dispatch after the placements are durable: a crash cannot leave a container with no record
    const toDispatch = new Map<string, TaskRecord>();
    for (const id of plan.redispatch) {
      const rec = state.task(id);
      if (rec !== undefined) toDispatch.set(id, rec);
    }
    for (const [id, rec] of plan.changes.records) {
      if (rec.state === TaskState.Scheduled && rec.nodeId !== null && !dispatcher.isDispatched(id))
        toDispatch.set(id, rec);
    }
    if (toDispatch.size > 0) dispatcher.dispatch(toDispatch.values());
    for (const s of plan.stops)
      if (this.deps.stopGate?.(s.taskId, s.nodeId) !== true) dispatcher.stop(s.taskId, s.nodeId);
    for (const c of plan.copies) dispatcher.stopCopy(c.nodeId, c.taskId, c.generation, 'its node is drained');
    if (plan.leftBehind.length > 0) dispatcher.forget(plan.leftBehind);
    for (const w of plan.wakes) this.deps.supervisor.wakeAt(w.taskId, w.atMs);
    this.deps.metrics.reconcileSeconds.observe((performance.now() - began) / 1000);
  }
}
