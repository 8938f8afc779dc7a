import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  toReport,
  type WorkerClient,
  type DesiredState,
  type ManagerTaskView,
  type NodeState,
  type NodeStatusView,
  type RegisterRequest,
  type HeartbeatRequest,
  type ResourcesView,
  type TaskReport,
} from '../api/index.js';
import type { Clock } from '../clock/index.js';
import { PoseidonError, RemoteError } from '../errors/index.js';
import { explain, hostPortKey, Scheduler, type NodeView, type Scorer } from '../scheduler/index.js';
import type { Store, StoreOp } from '../store/index.js';
import { canTransition, isActive, isTerminal, TaskState, toSpec, type TaskRequest } from '../task/index.js';
import { AmbiguousTaskId, DuplicateTask, NodeNameTaken, NodeNotFound, TaskNotFound } from './errors.js';
import { EventBus, type ClusterEvent } from './events.js';
import { ManagerMetrics } from './metrics.js';
import { decideRestart } from './restart-policy.js';
import { NodeHealth } from './node-health.js';
import { reconcile, type Action } from './reconcile.js';
import { ReconcileLoop } from './reconcile-loop.js';
import { NO_HEALTH, toNodeView, toTaskView, type NodeEntry, type NodeRecord, type TaskRecord } from './records.js';

/** What the manager stores: tasks under `task/`, nodes under `node/`. */
export type ManagerRecord = { kind: 'task'; task: TaskRecord } | { kind: 'node'; node: NodeRecord };

export interface ManagerDeps {
  store: Store<ManagerRecord>;
  clock: Clock;
  strategy: Scorer;
  log: Logger;
  metrics: Registry;
  /** Heartbeat period the manager asks workers for. */
  heartbeatPeriodMs: number;
  /** Missed heartbeats for this long: the node is Down. */
  heartbeatGraceMs: number;
  /** Safety-net sweep period. */
  sweepMs: number;
  /** A client per worker URL (a fake in unit tests). */
  workerClient(url: string): Pick<WorkerClient, 'startTask' | 'stopTask'>;
  /** [0,1) for backoff jitter; Math.random unless a test fixes it. */
  random?: () => number;
}

const TASK_KEY = (id: string): string => `task/${id}`;
const NODE_KEY = (id: string): string => `node/${id}`;

/**
 * Accepts submissions durably, places them with the scheduler, tracks every task's state and
 * node from worker reports, and reacts: reconcile runs on every event that can change desired
 * or observed state, plus a slow sweep.
 */
export class Manager {
  readonly #tasks = new Map<string, TaskRecord>();
  readonly #nodes = new Map<string, NodeEntry>();
  readonly #dispatchedAt = new Map<string, number>();
  readonly #stopping = new Set<string>();
  readonly #pendingSince = new Map<string, number>();
  readonly #wakeTimers = new Map<string, { atMs: number; cancel: () => void }>();
  /** Task and node events, live (GET /events). */
  readonly events = new EventBus();
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #scheduler: Scheduler;
  readonly #health: NodeHealth;
  readonly #loop: ReconcileLoop;
  readonly #metrics: ManagerMetrics;
  #cancelSweep: (() => void) | undefined;
  #stopped = false;

  constructor(private readonly deps: Readonly<ManagerDeps>) {
    this.#scheduler = new Scheduler(deps.strategy);
    this.#health = new NodeHealth({ clock: deps.clock, graceMs: deps.heartbeatGraceMs, periodMs: deps.heartbeatPeriodMs, onDown: (id) => this.#nodeDown(id) });
    this.#loop = new ReconcileLoop(() => this.#pass(), deps.log);
    this.#metrics = new ManagerMetrics(deps.metrics, { tasksByState: () => this.#tasksByState(), nodesByState: () => this.#nodesByState(), nodes: () => this.listNodes() });
  }

  /** Reloads desired and observed state; known nodes start Unknown with a double grace. */
  async start(): Promise<void> {
    for (const [, rec] of await this.deps.store.list('')) {
      if (rec.kind === 'task') {
        rec.task.failuresInRow ??= 0; // records written before restart policies existed
        rec.task.restartAt ??= null;
        this.#tasks.set(rec.task.request.id, rec.task);
      }
      else {
        this.#nodes.set(rec.node.id, { record: rec.node, state: 'Unknown', lastHeartbeatMs: null, metrics: null });
        this.#health.beat(rec.node.id, this.deps.heartbeatGraceMs * 2);
      }
    }
    for (const t of this.#tasks.values()) if (t.state === TaskState.Pending) this.#pendingSince.set(t.request.id, this.deps.clock.now());
    this.deps.log.info({ tasks: this.#tasks.size, nodes: this.#nodes.size }, 'manager state loaded');
    this.#sweep();
    this.#loop.kick();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#cancelSweep?.();
    this.#health.stop();
    for (const w of this.#wakeTimers.values()) w.cancel();
    this.#wakeTimers.clear();
    await this.#loop.idle();
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  /** Resolves when no reconcile pass is running or due (tests, benchmarks). */
  idle(): Promise<void> {
    return this.#loop.idle();
  }

  // ---- the API's operations ----

  /** Durable before it resolves: a 201 means the task survives a manager crash. */
  async submit(request: TaskRequest): Promise<ManagerTaskView> {
    const existing = this.#tasks.get(request.id);
    if (existing !== undefined) {
      if (JSON.stringify(existing.request) === JSON.stringify(request)) return this.#view(existing); // resubmitted: idempotent
      throw new DuplicateTask(request.id);
    }
    const now = this.#isoNow();
    const rec: TaskRecord = {
      request,
      desired: 'running',
      state: TaskState.Pending,
      nodeId: null,
      generation: 0,
      containerId: null,
      exitCode: null,
      reason: 'waiting to be scheduled',
      ports: [],
      restarts: 0,
      failuresInRow: 0,
      restartAt: null,
      health: NO_HEALTH,
      submittedAt: now,
      startedAt: null,
      finishedAt: null,
      updatedAt: now,
    };
    this.#tasks.set(request.id, rec);
    this.#pendingSince.set(request.id, this.deps.clock.now());
    try {
      await this.deps.store.put(TASK_KEY(request.id), { kind: 'task', task: rec });
    } catch (err) {
      this.#tasks.delete(request.id);
      throw err;
    }
    this.deps.log.info({ taskId: request.id, name: request.name }, 'task submitted');
    this.#publish('task.submitted', rec);
    this.#loop.kick();
    return this.#view(rec);
  }

  async stopTask(idOrPrefix: string): Promise<ManagerTaskView> {
    const rec = this.#resolve(idOrPrefix);
    if (rec.desired !== 'stopped') {
      rec.desired = 'stopped';
      rec.restartAt = null; // a stop asked by the user is never undone by a restart
      if (isTerminal(rec.state)) rec.reason = `${rec.reason.replace(/; restarting in .*$/, '')}; stopped on request`;
      rec.updatedAt = this.#isoNow();
      await this.#persist([rec]);
      this.deps.log.info({ taskId: rec.request.id }, 'task stop requested');
      this.#publish('task.stopped', rec);
      this.#loop.kick();
    }
    return this.#view(rec);
  }

  getTask(idOrPrefix: string): ManagerTaskView {
    return this.#view(this.#resolve(idOrPrefix));
  }

  listTasks(filter: { state?: string; node?: string } = {}): ManagerTaskView[] {
    const out: ManagerTaskView[] = [];
    for (const rec of this.#tasks.values()) {
      if (filter.state !== undefined && rec.state.toLowerCase() !== filter.state.toLowerCase()) continue;
      if (filter.node !== undefined) {
        const n = rec.nodeId === null ? undefined : this.#nodes.get(rec.nodeId);
        if (n === undefined || (n.record.name !== filter.node && n.record.id !== filter.node)) continue;
      }
      out.push(this.#view(rec));
    }
    return out.sort((a, b) => (a.submittedAt < b.submittedAt ? -1 : a.submittedAt > b.submittedAt ? 1 : a.id < b.id ? -1 : 1));
  }

  listNodes(): NodeStatusView[] {
    const alloc = this.#allocations();
    return [...this.#nodes.values()]
      .map((n) => {
        const a = alloc.get(n.record.id);
        return toNodeView(n, a?.resources ?? { cpuCores: 0, memoryBytes: 0, diskBytes: 0 }, a?.count ?? 0);
      })
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The URL and container of the worker running a task (for logs). */
  locate(idOrPrefix: string): { task: ManagerTaskView; workerUrl: string | null } {
    const rec = this.#resolve(idOrPrefix);
    const node = rec.nodeId === null ? undefined : this.#nodes.get(rec.nodeId);
    return { task: this.#view(rec), workerUrl: node?.record.url ?? null };
  }

  // ---- workers ----

  async register(req: RegisterRequest, isStatic = false): Promise<{ nextBeatInMs: number }> {
    for (const other of this.#nodes.values()) {
      if (other.record.name === req.name && other.record.id !== req.nodeId && other.state === 'Up') throw new NodeNameTaken(req.name);
    }
    const known = this.#nodes.get(req.nodeId);
    const record: NodeRecord = {
      id: req.nodeId,
      name: req.name,
      url: req.url,
      capacity: req.capacity,
      static: isStatic,
      registeredAt: known?.record.registeredAt ?? this.#isoNow(),
    };
    if (known === undefined || JSON.stringify(known.record) !== JSON.stringify(record)) {
      await this.deps.store.put(NODE_KEY(req.nodeId), { kind: 'node', node: record });
    }
    const entry: NodeEntry = { record, state: 'Up', lastHeartbeatMs: this.deps.clock.now(), metrics: req.metrics };
    this.#nodes.set(req.nodeId, entry);
    if (known?.state !== 'Up') {
      this.deps.log.info({ nodeId: req.nodeId, name: req.name, url: req.url }, 'node up');
      this.events.publish({ time: this.#isoNow(), type: 'node.up', node: req.name });
    }
    await this.#applyReports(req.nodeId, req.tasks, true);
    this.#loop.kick(); // capacity appeared
    return this.#health.beat(req.nodeId);
  }

  async heartbeat(nodeId: string, req: HeartbeatRequest): Promise<{ nextBeatInMs: number }> {
    const entry = this.#nodes.get(nodeId);
    if (entry === undefined) throw new NodeNotFound(nodeId);
    entry.lastHeartbeatMs = this.deps.clock.now();
    entry.metrics = req.metrics;
    if (entry.state !== 'Up') {
      entry.state = 'Up';
      this.deps.log.info({ nodeId, name: entry.record.name }, 'node up');
      this.events.publish({ time: this.#isoNow(), type: 'node.up', node: entry.record.name });
      this.#loop.kick();
    }
    await this.#applyReports(nodeId, req.tasks, false);
    return this.#health.beat(nodeId);
  }

  async report(nodeId: string, reports: readonly TaskReport[]): Promise<void> {
    if (!this.#nodes.has(nodeId)) throw new NodeNotFound(nodeId);
    await this.#applyReports(nodeId, reports, false);
  }

  // ---- reports: observed state, fenced by node and generation ----

  async #applyReports(nodeId: string, reports: readonly TaskReport[], complete: boolean): Promise<void> {
    const changed: TaskRecord[] = [];
    let kick = false;
    for (const r of reports) {
      const rec = this.#tasks.get(r.taskId);
      if (rec === undefined || rec.nodeId !== nodeId || r.generation < rec.generation) {
        // a copy this node no longer owns: stop it there, never change the owner
        if (isActive(r.state)) this.#stopCopy(nodeId, r.taskId, r.generation, rec === undefined ? 'unknown task' : 'task runs elsewhere now');
        continue;
      }
      if (rec.desired === 'stopped' && isActive(r.state) && !isActive(rec.state)) {
        this.#stopCopy(nodeId, r.taskId, r.generation, 'task was stopped');
        continue;
      }
      if (this.#observe(rec, r)) {
        changed.push(rec);
        kick = true;
      }
    }
    if (complete) {
      // the worker listed everything it holds: what it lacks, it lost (its data dir was wiped)
      const held = new Set(reports.map((r) => r.taskId));
      for (const rec of this.#tasks.values()) {
        if (rec.nodeId === nodeId && rec.state === TaskState.Running && !held.has(rec.request.id)) {
          this.#moveToPending(rec, `worker ${this.#nodeName(nodeId)} no longer has this task; rescheduling`);
          changed.push(rec);
          kick = true;
        }
      }
    }
    if (changed.length > 0) await this.#persist(changed);
    if (kick) this.#loop.kick();
  }

  /** Applies a report from the owning node; true when something changed. */
  #observe(rec: TaskRecord, r: TaskReport): boolean {
    const state = r.state;
    // a finished task's report repeats what is known; its restart plan is the manager's own
    if (state === rec.state && isTerminal(state)) return false;
    let stateChanged = false;
    const healthBefore = rec.health.status;
    if (state !== rec.state) {
      if (!canTransition(rec.state, state)) {
        this.deps.log.debug({ taskId: rec.request.id, from: rec.state, to: state }, 'ignored out-of-order report');
        return false;
      }
      rec.state = state;
      this.deps.log.info({ taskId: rec.request.id, state, reason: r.reason }, 'task state changed');
      stateChanged = true;
    } else if (rec.reason === r.reason && rec.containerId === r.containerId && rec.health.status === (r.health?.status ?? rec.health.status) && rec.ports.length === r.ports.length && rec.ports.every((p, i) => p.host === r.ports[i]?.host)) {
      return false;
    }
    rec.containerId = r.containerId;
    rec.exitCode = r.exitCode;
    rec.reason = r.reason;
    rec.ports = r.ports;
    rec.startedAt = r.startedAt;
    rec.finishedAt = r.finishedAt;
    if (r.health !== undefined) rec.health = r.health;
    rec.updatedAt = this.#isoNow();
    if (!isActive(rec.state) || rec.state === TaskState.Running) this.#dispatchedAt.delete(rec.request.id);
    if (rec.health.status !== healthBefore && (rec.health.status === 'unhealthy' || rec.health.status === 'healthy')) {
      this.#publish(rec.health.status === 'unhealthy' ? 'task.unhealthy' : 'task.healthy', rec, { reason: rec.health.lastOutput });
    }
    if (stateChanged && rec.state === TaskState.Running) this.#publish('task.started', rec);
    if (stateChanged && isTerminal(rec.state)) {
      this.#publish('task.exited', rec, { exitCode: rec.exitCode });
      if (rec.desired === 'running') this.#planRestart(rec);
    }
    return true;
  }

  /** Applies the restart policy to a task that just ended; the restart itself is a reconcile action. */
  #planRestart(rec: TaskRecord): void {
    const started = rec.startedAt === null ? NaN : new Date(rec.startedAt).getTime();
    const finished = rec.finishedAt === null ? this.deps.clock.now() : new Date(rec.finishedAt).getTime();
    const ranMs = Number.isFinite(started) ? finished - started : 0;
    const decision = decideRestart(rec.request.restartPolicy, rec.state === TaskState.Failed, rec.failuresInRow, ranMs, (this.deps.random ?? Math.random)());
    if (!decision.restart) {
      rec.restartAt = null;
      if (rec.state === TaskState.Failed && rec.failuresInRow > 0) {
        rec.reason = `${rec.reason}; ${decision.why}`;
        this.#publish('task.gave-up', rec);
      }
      return;
    }
    if (decision.resetBackoff) rec.failuresInRow = 0;
    rec.restartAt = this.deps.clock.now() + decision.delayMs;
    rec.reason = `${rec.reason}; restarting in ${formatDelay(decision.delayMs)}`;
    this.#publish('task.restarting', rec, { delayMs: decision.delayMs });
  }

  /** Stops the copy of generation `generation` (or older) on a node; a newer placement there is left alone. */
  #stopCopy(nodeId: string, taskId: string, generation: number, why: string): void {
    const entry = this.#nodes.get(nodeId);
    if (entry === undefined) return;
    this.deps.log.warn({ taskId, nodeId, generation, why }, 'stopping a copy the node no longer owns');
    this.#track(this.deps.workerClient(entry.record.url).stopTask(taskId, { generation }));
  }

  // ---- reconcile ----

  #sweep(): void {
    if (this.#stopped) return;
    this.#cancelSweep = this.deps.clock.setTimer(this.deps.sweepMs, () => {
      this.#loop.kick();
      this.#sweep();
    });
  }

  #nodeDown(nodeId: string): void {
    const entry = this.#nodes.get(nodeId);
    if (entry === undefined || entry.state === 'Down') return;
    entry.state = 'Down';
    this.#metrics.nodesDown.inc();
    this.deps.log.warn({ nodeId, name: entry.record.name }, 'node down: missed heartbeats');
    this.events.publish({ time: this.#isoNow(), type: 'node.down', node: entry.record.name, reason: 'missed heartbeats' });
    this.#loop.kick();
  }

  async #pass(): Promise<void> {
    if (this.#stopped) return; // stop() waits for in-flight work; nothing new starts after it
    const began = performance.now();
    const nodeStates = new Map<string, NodeState>();
    for (const [id, n] of this.#nodes) nodeStates.set(id, n.state);
    const actions = reconcile({ tasks: this.#tasks, nodeStates, dispatchedAt: this.#dispatchedAt, stopping: this.#stopping }, this.deps.clock.now());
    const changed: TaskRecord[] = [];
    const toPlace: TaskRecord[] = [];
    for (const a of actions) {
      const rec = this.#tasks.get(a.taskId);
      if (rec === undefined) continue;
      this.#execute(a, rec, changed, toPlace);
    }
    if (toPlace.length > 0) this.#placeAll(toPlace, changed);
    if (changed.length > 0) await this.#persist(changed);
    // dispatch after the placements are durable: a crash cannot leave a container with no record
    for (const rec of changed) {
      if (rec.state === TaskState.Scheduled && rec.nodeId !== null && !this.#dispatchedAt.has(rec.request.id)) this.#dispatch(rec);
    }
    this.#metrics.reconcileSeconds.observe((performance.now() - began) / 1000);
  }

  #execute(a: Action, rec: TaskRecord, changed: TaskRecord[], toPlace: TaskRecord[]): void {
    switch (a.kind) {
      case 'place':
        toPlace.push(rec);
        return;
      case 'dispatch':
        this.#dispatch(rec);
        return;
      case 'stop':
        this.#stop(rec, a.nodeId);
        return;
      case 'cancel':
        rec.state = TaskState.Completed;
        rec.reason = 'stopped on request';
        rec.finishedAt = this.#isoNow();
        rec.updatedAt = rec.finishedAt;
        this.#pendingSince.delete(rec.request.id);
        changed.push(rec);
        return;
      case 'mark-lost':
        this.#moveToPending(rec, `node ${this.#nodeName(a.nodeId)} is down; rescheduling`);
        this.#publish('task.lost', rec);
        changed.push(rec);
        toPlace.push(rec);
        return;
      case 'restart':
        this.#restart(rec, a.preferNodeId, changed);
        return;
      case 'wake-at':
        this.#wakeAt(a.taskId, a.atMs);
        return;
    }
  }

  /** One owned timer per task that kicks reconcile when something about it is due. */
  #wakeAt(taskId: string, atMs: number): void {
    if (this.#stopped) return;
    const w = this.#wakeTimers.get(taskId);
    if (w?.atMs === atMs) return;
    w?.cancel();
    const cancel = this.deps.clock.setTimer(Math.max(0, atMs - this.deps.clock.now()), () => {
      this.#wakeTimers.delete(taskId);
      this.#loop.kick();
    });
    this.#wakeTimers.set(taskId, { atMs, cancel });
  }

  /** A restart is a new placement (new generation): on the same node when it is up and fits, else anywhere. */
  #restart(rec: TaskRecord, preferNodeId: string | null, changed: TaskRecord[]): void {
    const views = this.#nodeViews();
    const preferred = preferNodeId === null ? [] : views.filter((v) => v.id === preferNodeId);
    let placement = preferred.length > 0 ? this.#scheduler.place(rec.request, preferred) : undefined;
    if (placement === undefined || !placement.ok) placement = this.#scheduler.place(rec.request, views);
    if (!placement.ok) {
      // nowhere to run it yet: try again shortly, keeping the count
      rec.restartAt = this.deps.clock.now() + 1_000;
      rec.reason = `restart waiting: ${explain(placement.explanation)}`;
      changed.push(rec);
      return;
    }
    rec.state = TaskState.Scheduled;
    rec.nodeId = placement.nodeId;
    rec.generation += 1;
    rec.restarts += 1;
    rec.failuresInRow += 1;
    rec.restartAt = null;
    rec.containerId = null;
    rec.exitCode = null;
    rec.health = NO_HEALTH;
    rec.reason = `restart ${rec.restarts} placed on ${this.#nodeName(placement.nodeId)}`;
    rec.updatedAt = this.#isoNow();
    this.#metrics.restarts.inc();
    this.#publish('task.restarted', rec);
    changed.push(rec);
  }

  #placeAll(tasks: TaskRecord[], changed: TaskRecord[]): void {
    const views = this.#nodeViews();
    const byId = new Map(views.map((v) => [v.id, v]));
    tasks.sort((a, b) => (a.submittedAt < b.submittedAt ? -1 : a.submittedAt > b.submittedAt ? 1 : 0));
    for (const rec of tasks) {
      const placement = this.#scheduler.place(rec.request, views);
      if (!placement.ok) {
        this.#metrics.placements.inc({ result: 'unplaced' });
        const reason = explain(placement.explanation);
        if (rec.reason !== reason) {
          rec.reason = reason;
          rec.updatedAt = this.#isoNow();
          changed.push(rec);
          this.deps.log.info({ taskId: rec.request.id, reason }, 'task not placed');
        }
        continue;
      }
      const node = byId.get(placement.nodeId);
      if (node !== undefined) reserve(node, rec.request);
      rec.state = TaskState.Scheduled;
      rec.nodeId = placement.nodeId;
      rec.generation += 1;
      rec.reason = `placed on ${this.#nodeName(placement.nodeId)}`;
      rec.updatedAt = this.#isoNow();
      changed.push(rec);
      this.#metrics.placements.inc({ result: 'placed' });
      const since = this.#pendingSince.get(rec.request.id);
      if (since !== undefined) this.#metrics.schedulingSeconds.observe((this.deps.clock.now() - since) / 1000);
      this.#pendingSince.delete(rec.request.id);
      this.deps.log.info({ taskId: rec.request.id, nodeId: placement.nodeId, generation: rec.generation }, 'task placed');
      this.#publish('task.scheduled', rec);
    }
  }

  #dispatch(rec: TaskRecord): void {
    const nodeId = rec.nodeId;
    const node = nodeId === null ? undefined : this.#nodes.get(nodeId);
    if (nodeId === null || node === undefined) return;
    const id = rec.request.id;
    const generation = rec.generation;
    this.#dispatchedAt.set(id, this.deps.clock.now());
    const began = performance.now();
    this.#track(
      this.deps
        .workerClient(node.record.url)
        .startTask(toSpec(rec.request), { generation, waitMs: 0 })
        .then(
          async (view) => {
            this.#metrics.dispatchSeconds.observe({ result: 'ok' }, (performance.now() - began) / 1000);
            await this.#applyReports(nodeId, [toReport(view)], false);
          },
          async (err: unknown) => {
            this.#metrics.dispatchSeconds.observe({ result: 'error' }, (performance.now() - began) / 1000);
            const cur = this.#tasks.get(id);
            if (cur === undefined || cur.generation !== generation || cur.state !== TaskState.Scheduled) return;
            if (err instanceof RemoteError && err.status >= 400 && err.status < 500) {
              // the worker refused the task itself: retrying elsewhere would fail the same way
              cur.state = TaskState.Failed;
              cur.reason = `worker ${node.record.name} refused the task: ${err.message}`;
              cur.finishedAt = this.#isoNow();
              cur.updatedAt = cur.finishedAt;
              this.#dispatchedAt.delete(id);
              await this.#persist([cur]);
              return;
            }
            // unreachable or busy: the sweep dispatches again (idempotent), or the node is declared down
            this.deps.log.warn({ taskId: id, nodeId, code: err instanceof PoseidonError ? err.code : undefined }, 'dispatch failed; will retry');
          },
        ),
    );
  }

  #stop(rec: TaskRecord, nodeId: string): void {
    const node = this.#nodes.get(nodeId);
    if (node === undefined) return;
    const id = rec.request.id;
    this.#stopping.add(id);
    this.#track(
      this.deps
        .workerClient(node.record.url)
        .stopTask(id)
        .then(
          async (view) => {
            await this.#applyReports(nodeId, [toReport(view)], false);
          },
          async (err: unknown) => {
            if (err instanceof RemoteError && err.status === 404) {
              const cur = this.#tasks.get(id);
              if (cur !== undefined && isActive(cur.state)) {
                cur.state = TaskState.Completed;
                cur.reason = 'stopped on request';
                cur.finishedAt = this.#isoNow();
                cur.updatedAt = cur.finishedAt;
                await this.#persist([cur]);
              }
              return;
            }
            this.deps.log.warn({ taskId: id, nodeId }, 'stop failed; will retry');
            this.#wakeAt(id, this.deps.clock.now() + 1_000);
          },
        )
        .finally(() => this.#stopping.delete(id)),
    );
  }

  #moveToPending(rec: TaskRecord, reason: string): void {
    rec.state = TaskState.Pending;
    rec.nodeId = null;
    rec.containerId = null;
    rec.ports = [];
    rec.reason = reason;
    rec.updatedAt = this.#isoNow();
    this.#dispatchedAt.delete(rec.request.id);
    this.#pendingSince.set(rec.request.id, this.deps.clock.now());
    this.deps.log.warn({ taskId: rec.request.id, reason }, 'task lost its node');
  }

  // ---- views and bookkeeping ----

  #nodeViews(): NodeView[] {
    const alloc = this.#allocations();
    return [...this.#nodes.values()].map((n) => {
      const a = alloc.get(n.record.id);
      return {
        id: n.record.id,
        name: n.record.name,
        up: n.state === 'Up',
        capacity: n.record.capacity,
        allocated: { ...(a?.resources ?? { cpuCores: 0, memoryBytes: 0, diskBytes: 0 }) },
        taskCount: a?.count ?? 0,
        usedPorts: new Set(a?.ports ?? []),
        ...(n.metrics === null ? {} : { cpuUsage: n.metrics.cpuUsage, memoryUsedBytes: Math.max(0, n.record.capacity.memoryBytes - n.metrics.memoryAvailableBytes) }),
      };
    });
  }

  #allocations(): Map<string, { resources: ResourcesView; count: number; ports: string[] }> {
    const out = new Map<string, { resources: ResourcesView; count: number; ports: string[] }>();
    for (const t of this.#tasks.values()) {
      if (t.nodeId === null || !isActive(t.state)) continue;
      let a = out.get(t.nodeId);
      if (a === undefined) {
        a = { resources: { cpuCores: 0, memoryBytes: 0, diskBytes: 0 }, count: 0, ports: [] };
        out.set(t.nodeId, a);
      }
      a.resources.cpuCores += t.request.cpuCores;
      a.resources.memoryBytes += t.request.memoryBytes;
      a.resources.diskBytes += t.request.diskBytes;
      a.count += 1;
      for (const p of t.request.ports) if (p.hostPort !== 0) a.ports.push(hostPortKey(p.hostPort, p.protocol));
    }
    return out;
  }

  #resolve(idOrPrefix: string): TaskRecord {
    const exact = this.#tasks.get(idOrPrefix);
    if (exact !== undefined) return exact;
    const prefix = idOrPrefix.toLowerCase();
    const matches: TaskRecord[] = [];
    if (prefix.length > 0) for (const [id, rec] of this.#tasks) if (id.startsWith(prefix)) matches.push(rec);
    if (matches.length === 0) throw new TaskNotFound(idOrPrefix);
    if (matches.length > 1) throw new AmbiguousTaskId(idOrPrefix, matches.map((m) => m.request.id));
    return matches[0] as TaskRecord;
  }

  #view(rec: TaskRecord): ManagerTaskView {
    return toTaskView(rec, rec.nodeId === null ? null : this.#nodeName(rec.nodeId));
  }

  #nodeName(nodeId: string): string {
    return this.#nodes.get(nodeId)?.record.name ?? nodeId;
  }

  #tasksByState(): Map<TaskState, number> {
    const counts = new Map<TaskState, number>();
    for (const t of this.#tasks.values()) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
    return counts;
  }

  #nodesByState(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const n of this.#nodes.values()) counts.set(n.state, (counts.get(n.state) ?? 0) + 1);
    return counts;
  }

  async #persist(records: readonly TaskRecord[]): Promise<void> {
    const ops: StoreOp<ManagerRecord>[] = [...new Set(records)].map((task) => ({ kind: 'put', key: TASK_KEY(task.request.id), value: { kind: 'task', task } }));
    await this.deps.store.batch(ops);
  }

  #track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => {
      if (err instanceof PoseidonError) this.deps.log.warn({ code: err.code }, err.message);
      else this.deps.log.error({ err }, 'background manager operation failed');
    });
    this.#inflight.add(tracked);
    void tracked.finally(() => this.#inflight.delete(tracked));
  }

  #publish(type: ClusterEvent['type'], rec: TaskRecord, extra: Partial<ClusterEvent> = {}): void {
    this.events.publish({
      time: this.#isoNow(),
      type,
      taskId: rec.request.id,
      taskName: rec.request.name,
      ...(rec.nodeId === null ? {} : { node: this.#nodeName(rec.nodeId) }),
      state: rec.state,
      reason: rec.reason,
      restarts: rec.restarts,
      ...extra,
    });
  }

  #isoNow(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }
}

function reserve(node: NodeView, task: TaskRequest): void {
  const a = node.allocated as { cpuCores: number; memoryBytes: number; diskBytes: number };
  a.cpuCores += task.cpuCores;
  a.memoryBytes += task.memoryBytes;
  a.diskBytes += task.diskBytes;
  node.taskCount += 1;
  for (const p of task.ports) if (p.hostPort !== 0) (node.usedPorts as Set<string>).add(hostPortKey(p.hostPort, p.protocol));
}


export type { DesiredState };

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}
