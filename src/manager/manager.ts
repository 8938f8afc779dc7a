import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  toReport,
  type DesiredState,
  type ManagerTaskView,
  type NodeState,
  type NodeStatusView,
  type RegisterRequest,
  type HeartbeatReply,
  type HeartbeatRequest,
  type TaskDigest,
  type TaskReport,
} from '../api/index.js';
import type { Clock } from '../clock/index.js';
import { isNotFound, isPermanent, PoseidonError, NodeNotFound, TaskNotFound } from '../errors/index.js';
import { explain, Scheduler, type NodeView, type Scorer } from '../scheduler/index.js';
import type { Store, StoreOp } from '../store/index.js';
import { canTransition, isActive, isTerminal, TaskState, toSpec, type TaskRequest } from '../task/index.js';
import { ClusterPool } from './cluster-pool.js';
import { Compactor } from './compact.js';
import { Dispatcher, type DispatchItem, type WorkerCalls } from './dispatcher.js';
import { AmbiguousTaskId, DuplicateTask, NodeNameTaken } from './errors.js';
import { EventBus, type ClusterEvent } from './events.js';
import { ManagerMetrics } from './metrics.js';
import { decideRestart } from './restart-policy.js';
import { NodeHealth } from './node-health.js';
import { DISPATCH_RETRY_MS, reconcile, type Action } from './reconcile.js';
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
  workerClient(url: string): WorkerCalls;
  /** [0,1) for backoff jitter; Math.random unless a test fixes it. */
  random?: () => number;
}

/**
 * Tasks are stored in submission order, `task/<submittedAt>/<id>`, not by id alone: LMDB copies
 * every B-tree page a commit changes, and with random ids each write of a busy second landed on
 * a page of its own; in submission order they land on the few pages at the end of the tree, which
 * made a commit two to three times cheaper (and it no longer slows down as the store grows).
 */
const TASK_KEY = (t: TaskRecord): string => `task/${t.submittedAt}/${t.request.id}`;
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
  /**
   * What the active tasks reserve on each node, and the scheduler's pool of nodes made from it:
   * both kept current as tasks and nodes change (never rebuilt), so a placement costs no scan.
   */
  readonly #cluster: ClusterPool;
  /** Tasks whose inputs to reconcile changed since the last pass: the next pass decides on these only. */
  #dirty = new Set<string>();
  /** Tasks in state Pending: looked at again when capacity may have grown. */
  readonly #waiting = new Set<string>();
  /** Capacity may have grown (a task left a node, a node came up): the next pass retries every waiting task. */
  #capacityGrew = false;
  /** The next pass decides on every task (after start, and on each sweep: the safety net). */
  #fullPass = true;
  /** Submissions not written yet: the next pass writes each once, placed when a node can take it. */
  #unsaved = new Map<string, Unsaved>();
  /** Shares what tasks hold alike (images, labels, health, reasons): memory per task. */
  readonly #compact = new Compactor();
  #isoCache = { ms: Number.NaN, iso: '' };
  /** Task and node events, live (GET /events). */
  readonly events = new EventBus();
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #health: NodeHealth;
  readonly #loop: ReconcileLoop;
  readonly #metrics: ManagerMetrics;
  readonly #dispatcher: Dispatcher;
  #cancelSweep: (() => void) | undefined;
  #stopped = false;

  constructor(private readonly deps: Readonly<ManagerDeps>) {
    this.#cluster = new ClusterPool(new Scheduler(deps.strategy));
    this.#health = new NodeHealth({
      clock: deps.clock,
      graceMs: deps.heartbeatGraceMs,
      periodMs: deps.heartbeatPeriodMs,
      onDown: (id) => this.#nodeDown(id),
    });
    this.#loop = new ReconcileLoop(() => this.#pass(), deps.log);
    this.#metrics = new ManagerMetrics(deps.metrics, {
      tasksByState: () => this.#tasksByState(),
      nodesByState: () => this.#nodesByState(),
      nodes: () => this.listNodes(),
      storeStats: () => deps.store.stats(),
    });
    this.#dispatcher = new Dispatcher({
      workerClient: deps.workerClient,
      log: deps.log,
      metrics: this.#metrics,
      started: (nodeId, views) => this.#applyReports(nodeId, views.map(toReport), false),
      failed: (nodeId, item, err) => this.#dispatchFailed(nodeId, item, err),
      track: (p) => this.#track(p),
    });
  }

  /** Reloads desired and observed state; known nodes start Unknown with a double grace. */
  async start(): Promise<void> {
    const moved: StoreOp<ManagerRecord>[] = [];
    for (const [key, rec] of await this.deps.store.list('')) {
      if (rec.kind === 'task') {
        rec.task.failuresInRow ??= 0; // records written before restart policies existed
        rec.task.restartAt ??= null;
        this.#compactRecord(rec.task);
        this.#tasks.set(rec.task.request.id, rec.task);
        // written under `task/<id>` before keys followed submission order: move it, in one batch below
        if (key !== TASK_KEY(rec.task))
          moved.push({ kind: 'delete', key }, { kind: 'put', key: TASK_KEY(rec.task), value: rec });
      } else {
        const entry: NodeEntry = { record: rec.node, state: 'Unknown', lastHeartbeatMs: null, metrics: null };
        this.#nodes.set(rec.node.id, entry);
        this.#cluster.setNode(entry);
        this.#health.beat(rec.node.id, this.deps.heartbeatGraceMs * 2);
      }
    }
    if (moved.length > 0) {
      await this.deps.store.batch(moved);
      this.deps.log.info({ tasks: moved.length / 2 }, 'task records moved to submission-order keys');
    }
    for (const t of this.#tasks.values()) {
      this.#account(t);
      if (t.state === TaskState.Pending) this.#pendingSince.set(t.request.id, this.deps.clock.now());
    }
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
    await this.#saveUnsaved();
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  /** Resolves when no reconcile pass is running or due (tests, benchmarks). */
  idle(): Promise<void> {
    return this.#loop.idle();
  }

  // ---- the API's operations ----

  /**
   * Durable before it resolves: a 201 means the task survives a manager crash. The record is not
   * written here but by the next reconcile pass, together with its placement: one write per
   * submission instead of two, and the pass's batch shares one commit among all it holds.
   */
  async submit(request: TaskRequest): Promise<ManagerTaskView> {
    const existing = this.#tasks.get(request.id);
    if (existing !== undefined) {
      if (JSON.stringify(existing.request) !== JSON.stringify(request)) throw new DuplicateTask(request.id);
      await this.#unsaved.get(request.id)?.durable; // resubmitted: idempotent, and answered once durable
      return this.#view(existing);
    }
    const now = this.#isoNow();
    const rec: TaskRecord = {
      request: this.#compact.request(request),
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
    if (this.#stopped) {
      // no more passes: write it as it is; the next manager places it
      await this.deps.store.put(TASK_KEY(rec), { kind: 'task', task: rec });
      this.#tasks.set(request.id, rec);
      return this.#view(rec);
    }
    this.#tasks.set(request.id, rec);
    this.#pendingSince.set(request.id, this.deps.clock.now());
    this.#account(rec); // waiting for a node from now on
    const unsaved = newUnsaved(rec);
    this.#unsaved.set(request.id, unsaved);
    this.#changed(rec);
    await unsaved.durable;
    return this.#view(rec);
  }

  /** The pass that took these submissions failed to write them: they never existed. */
  #dropUnsaved(taken: ReadonlyMap<string, Unsaved>, err: unknown): void {
    for (const [id, u] of taken) {
      this.#tasks.delete(id);
      this.#pendingSince.delete(id);
      this.#dispatchedAt.delete(id);
      this.#cluster.set(id, u.rec.request, null);
      this.#waiting.delete(id);
      u.reject(err);
    }
  }

  /** On stop: what no pass will write now is written as it is, so every accepted submission is durable. */
  async #saveUnsaved(): Promise<void> {
    const taken = this.#unsaved;
    if (taken.size === 0) return;
    this.#unsaved = new Map();
    try {
      await this.#persist([...taken.values()].map((u) => u.rec));
    } catch (err) {
      this.#dropUnsaved(taken, err);
      return;
    }
    for (const u of taken.values()) u.resolve();
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
      this.#changed(rec);
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
    return out.sort((a, b) =>
      a.submittedAt < b.submittedAt ? -1 : a.submittedAt > b.submittedAt ? 1 : a.id < b.id ? -1 : 1,
    );
  }

  listNodes(): NodeStatusView[] {
    return [...this.#nodes.values()]
      .map((n) => {
        const a = this.#cluster.of(n.record.id);
        return toNodeView(n, { ...a.resources }, a.count);
      })
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The nodes as placement sees them (the scheduler's pool), in id order: for tests and benchmarks. */
  placementView(): readonly NodeView[] {
    return this.#cluster.views();
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
      if (other.record.name === req.name && other.record.id !== req.nodeId && other.state === 'Up')
        throw new NodeNameTaken(req.name);
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
    this.#dispatcher.forget(req.url);
    const entry: NodeEntry = { record, state: 'Up', lastHeartbeatMs: this.deps.clock.now(), metrics: req.metrics };
    this.#nodes.set(req.nodeId, entry);
    this.#cluster.setNode(entry);
    if (known?.state !== 'Up') {
      this.deps.log.info({ nodeId: req.nodeId, name: req.name, url: req.url }, 'node up');
      this.events.publish({ time: this.#isoNow(), type: 'node.up', node: req.name });
    }
    await this.#applyReports(req.nodeId, req.tasks, true);
    this.#nodeChanged(req.nodeId); // capacity appeared, and its Scheduled tasks can be dispatched
    return this.#health.beat(req.nodeId);
  }

  async heartbeat(nodeId: string, req: HeartbeatRequest): Promise<HeartbeatReply> {
    const entry = this.#nodes.get(nodeId);
    if (entry === undefined) throw new NodeNotFound(nodeId);
    entry.lastHeartbeatMs = this.deps.clock.now();
    entry.metrics = req.metrics;
    const cameBack = entry.state !== 'Up';
    entry.state = 'Up';
    this.#cluster.setNode(entry); // measured cpu and memory, which E-PVM reads, and maybe Up again
    if (cameBack) {
      this.deps.log.info({ nodeId, name: entry.record.name }, 'node up');
      this.events.publish({ time: this.#isoNow(), type: 'node.up', node: entry.record.name });
      this.#nodeChanged(nodeId);
    }
    await this.#applyReports(nodeId, req.tasks, false);
    const reply = this.#health.beat(nodeId);
    if (req.digest !== undefined && req.tasks.length === 0 && this.#needsResync(entry, req.digest))
      return { ...reply, resync: true };
    return reply;
  }

  /**
   * A worker that beats with a digest instead of its task list is asked for the list when the
   * digest disagrees with what the manager placed there, and has for two beats in a row with the
   * worker's own set unchanged: while tasks are being dispatched the two sides differ for a
   * moment all the time, and that is no reason to send thousands of reports.
   */
  #needsResync(entry: NodeEntry, digest: TaskDigest): boolean {
    const mine = this.#cluster.of(entry.record.id).digest.value;
    if (mine.count === digest.count && mine.hash === digest.hash) {
      delete entry.digestSeen;
      return false;
    }
    const theirs = `${digest.count}:${digest.hash}`;
    if (entry.digestSeen === theirs) {
      delete entry.digestSeen;
      return true;
    }
    entry.digestSeen = theirs;
    return false;
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
        if (isActive(r.state))
          this.#stopCopy(
            nodeId,
            r.taskId,
            r.generation,
            rec === undefined ? 'unknown task' : 'task runs elsewhere now',
          );
        continue;
      }
      if (rec.desired === 'stopped' && isActive(r.state) && !isActive(rec.state)) {
        this.#stopCopy(nodeId, r.taskId, r.generation, 'task was stopped');
        continue;
      }
      if (this.#observe(rec, r)) {
        this.#account(rec);
        changed.push(rec);
        kick = true;
      }
    }
    if (complete) {
      // the worker listed everything it holds: what it lacks, it lost (its data dir was wiped)
      const held = new Set(reports.map((r) => r.taskId));
      for (const id of [...this.#cluster.of(nodeId).tasks]) {
        const rec = this.#tasks.get(id);
        if (rec !== undefined && rec.state === TaskState.Running && !held.has(id)) {
          this.#moveToPending(rec, `worker ${this.#nodeName(nodeId)} no longer has this task; rescheduling`);
          changed.push(rec);
          kick = true;
        }
      }
    }
    if (changed.length > 0) await this.#persist(changed);
    if (kick) {
      for (const rec of changed) this.#dirty.add(rec.request.id);
      this.#loop.kick();
    }
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
    } else if (
      rec.reason === r.reason &&
      rec.containerId === r.containerId &&
      rec.health.status === (r.health?.status ?? rec.health.status) &&
      rec.ports.length === r.ports.length &&
      rec.ports.every((p, i) => p.host === r.ports[i]?.host)
    ) {
      return false;
    }
    rec.containerId = r.containerId;
    rec.exitCode = r.exitCode;
    rec.reason = this.#compact.string(r.reason);
    rec.ports = this.#compact.ports(r.ports);
    rec.startedAt = this.#compact.time(r.startedAt);
    rec.finishedAt = this.#compact.time(r.finishedAt);
    if (r.health !== undefined) rec.health = this.#compact.health(r.health);
    rec.updatedAt = this.#isoNow();
    if (!isActive(rec.state) || rec.state === TaskState.Running) this.#dispatchedAt.delete(rec.request.id);
    if (rec.health.status !== healthBefore && (rec.health.status === 'unhealthy' || rec.health.status === 'healthy')) {
      this.#publish(rec.health.status === 'unhealthy' ? 'task.unhealthy' : 'task.healthy', rec, {
        reason: rec.health.lastOutput,
      });
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
    const decision = decideRestart(
      rec.request.restartPolicy,
      rec.state === TaskState.Failed,
      rec.failuresInRow,
      ranMs,
      (this.deps.random ?? Math.random)(),
    );
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
      this.#fullPass = true;
      this.#loop.kick();
      this.#sweep();
    });
  }

  #nodeDown(nodeId: string): void {
    const entry = this.#nodes.get(nodeId);
    if (entry === undefined || entry.state === 'Down') return;
    entry.state = 'Down';
    this.#cluster.setNode(entry);
    this.#metrics.nodesDown.inc();
    this.deps.log.warn({ nodeId, name: entry.record.name }, 'node down: missed heartbeats');
    this.events.publish({
      time: this.#isoNow(),
      type: 'node.down',
      node: entry.record.name,
      reason: 'missed heartbeats',
    });
    for (const id of this.#cluster.of(nodeId).tasks) this.#dirty.add(id);
    this.#loop.kick();
  }

  /** A node came up or registered: its tasks may need dispatching, and there may be room for waiting tasks. */
  #nodeChanged(nodeId: string): void {
    for (const id of this.#cluster.of(nodeId).tasks) this.#dirty.add(id);
    this.#capacityGrew = true;
    this.#loop.kick();
  }

  /** A task's record changed outside a pass: the next pass decides on it. */
  #changed(rec: TaskRecord): void {
    this.#dirty.add(rec.request.id);
    this.#loop.kick();
  }

  /** Keeps the node allocations and the waiting set in step with the record's state and node. */
  #account(rec: TaskRecord): void {
    const id = rec.request.id;
    if (
      this.#cluster.set(id, rec.request, rec.nodeId !== null && isActive(rec.state) ? rec.nodeId : null, rec.generation)
    )
      this.#capacityGrew = true;
    if (rec.state === TaskState.Pending) this.#waiting.add(id);
    else this.#waiting.delete(id);
  }

  /**
   * The tasks this pass decides on: every task after start and on each sweep; otherwise those
   * marked dirty since the last pass, plus every waiting task when capacity may have grown. A
   * pass then costs O(what changed), not O(all tasks).
   */
  #takeDirty(): ReadonlyMap<string, TaskRecord> {
    if (this.#fullPass) {
      this.#fullPass = false;
      this.#capacityGrew = false;
      this.#dirty.clear();
      return this.#tasks;
    }
    const ids = this.#dirty;
    this.#dirty = new Set();
    if (this.#capacityGrew) {
      this.#capacityGrew = false;
      for (const id of this.#waiting) ids.add(id);
    }
    const tasks = new Map<string, TaskRecord>();
    for (const id of ids) {
      const rec = this.#tasks.get(id);
      if (rec !== undefined) tasks.set(id, rec);
    }
    return tasks;
  }

  async #pass(): Promise<void> {
    if (this.#stopped) return; // stop() waits for in-flight work; nothing new starts after it
    const began = performance.now();
    const tasks = this.#takeDirty();
    const fresh = this.#unsaved;
    this.#unsaved = new Map();
    if (tasks.size === 0 && fresh.size === 0) return;
    for (const { rec } of fresh.values()) {
      // debug: this pass logs the task at info in a moment, placed or not, with its name
      this.deps.log.debug({ taskId: rec.request.id, name: rec.request.name }, 'task submitted');
      this.#publish('task.submitted', rec);
    }
    const changed: TaskRecord[] = [];
    const toDispatch = new Set<TaskRecord>(); // a task lost and placed again in one pass is in `changed` twice
    try {
      const nodeStates = new Map<string, NodeState>();
      for (const [id, n] of this.#nodes) nodeStates.set(id, n.state);
      const actions = reconcile(
        { tasks, nodeStates, dispatchedAt: this.#dispatchedAt, stopping: this.#stopping },
        this.deps.clock.now(),
      );
      const toPlace: TaskRecord[] = [];
      for (const a of actions) {
        const rec = this.#tasks.get(a.taskId);
        if (rec === undefined) continue;
        this.#execute(a, rec, changed, toPlace, toDispatch);
      }
      if (toPlace.length > 0) this.#placeAll(toPlace, changed);
      for (const { rec } of fresh.values()) changed.push(rec); // first write, placed or not
      if (changed.length > 0) await this.#persist(changed);
    } catch (err) {
      this.#dropUnsaved(fresh, err);
      throw err;
    }
    for (const u of fresh.values()) u.resolve();
    // dispatch after the placements are durable: a crash cannot leave a container with no record
    for (const rec of changed) {
      if (rec.state === TaskState.Scheduled && rec.nodeId !== null && !this.#dispatchedAt.has(rec.request.id))
        toDispatch.add(rec);
    }
    if (toDispatch.size > 0) this.#dispatchAll(toDispatch);
    this.#metrics.reconcileSeconds.observe((performance.now() - began) / 1000);
  }

  #execute(
    a: Action,
    rec: TaskRecord,
    changed: TaskRecord[],
    toPlace: TaskRecord[],
    toDispatch: Set<TaskRecord>,
  ): void {
    switch (a.kind) {
      case 'place':
        toPlace.push(rec);
        return;
      case 'dispatch':
        toDispatch.add(rec);
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
        this.#account(rec);
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
    // the earlier wake wins: the pass it starts decides everything due about the task then
    if (w !== undefined && w.atMs <= atMs) return;
    w?.cancel();
    const cancel = this.deps.clock.setTimer(Math.max(0, atMs - this.deps.clock.now()), () => {
      this.#wakeTimers.delete(taskId);
      this.#dirty.add(taskId);
      this.#loop.kick();
    });
    this.#wakeTimers.set(taskId, { atMs, cancel });
  }

  /** A restart is a new placement (new generation): on the same node when it is up and fits, else anywhere. */
  #restart(rec: TaskRecord, preferNodeId: string | null, changed: TaskRecord[]): void {
    const placement = this.#cluster.choose(rec.request, preferNodeId);
    if (!placement.ok) {
      // nowhere to run it yet: try again shortly, keeping the count
      rec.restartAt = this.deps.clock.now() + 1_000;
      rec.reason = `restart waiting: ${explain(placement.explanation)}`;
      this.#wakeAt(rec.request.id, rec.restartAt);
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
    this.#account(rec);
    this.#metrics.restarts.inc();
    this.#publish('task.restarted', rec);
    changed.push(rec);
  }

  #placeAll(tasks: TaskRecord[], changed: TaskRecord[]): void {
    tasks.sort((a, b) => (a.submittedAt < b.submittedAt ? -1 : a.submittedAt > b.submittedAt ? 1 : 0));
    for (const rec of tasks) {
      // the fast path: O(k log n) on the pool; only a task that fits nowhere pays for a scan, to explain why
      const placement = this.#cluster.choose(rec.request);
      if (!placement.ok) {
        this.#metrics.placements.inc({ result: 'unplaced' });
        const reason = explain(placement.explanation);
        if (rec.reason !== reason) {
          rec.reason = reason;
          rec.updatedAt = this.#isoNow();
          changed.push(rec);
          this.deps.log.info({ taskId: rec.request.id, name: rec.request.name, reason }, 'task not placed');
        }
        continue;
      }
      rec.state = TaskState.Scheduled;
      rec.nodeId = placement.nodeId;
      rec.generation += 1;
      rec.reason = this.#compact.string(`placed on ${this.#nodeName(placement.nodeId)}`);
      rec.updatedAt = this.#isoNow();
      this.#account(rec);
      changed.push(rec);
      this.#metrics.placements.inc({ result: 'placed' });
      const since = this.#pendingSince.get(rec.request.id);
      if (since !== undefined) this.#metrics.schedulingSeconds.observe((this.deps.clock.now() - since) / 1000);
      this.#pendingSince.delete(rec.request.id);
      this.deps.log.info(
        { taskId: rec.request.id, name: rec.request.name, nodeId: placement.nodeId, generation: rec.generation },
        'task placed',
      );
      this.#publish('task.scheduled', rec);
    }
  }

  /** Sends the tasks to their workers, one request per worker (see Dispatcher). */
  #dispatchAll(recs: Iterable<TaskRecord>): void {
    const byNode = new Map<string, DispatchItem[]>();
    const now = this.deps.clock.now();
    for (const rec of recs) {
      if (rec.nodeId === null || !this.#nodes.has(rec.nodeId)) continue;
      this.#dispatchedAt.set(rec.request.id, now);
      let items = byNode.get(rec.nodeId);
      if (items === undefined) byNode.set(rec.nodeId, (items = []));
      items.push({ taskId: rec.request.id, generation: rec.generation, spec: toSpec(rec.request) });
    }
    for (const [nodeId, items] of byNode) {
      const node = this.#nodes.get(nodeId);
      if (node !== undefined) this.#dispatcher.send(nodeId, node.record.url, items);
    }
  }

  async #dispatchFailed(nodeId: string, item: DispatchItem, err: unknown): Promise<void> {
    const id = item.taskId;
    const cur = this.#tasks.get(id);
    if (cur === undefined || cur.generation !== item.generation || cur.state !== TaskState.Scheduled) return;
    if (isPermanent(err)) {
      // the worker refused the task itself: retrying elsewhere would fail the same way
      cur.state = TaskState.Failed;
      cur.reason = `worker ${this.#nodeName(nodeId)} refused the task: ${err.message}`;
      cur.finishedAt = this.#isoNow();
      cur.updatedAt = cur.finishedAt;
      this.#dispatchedAt.delete(id);
      this.#account(cur);
      await this.#persist([cur]);
      return;
    }
    // unreachable or busy: dispatched again (idempotent) once the retry delay is over, unless the node is declared down
    // first
    this.deps.log.warn(
      { taskId: id, nodeId, code: err instanceof PoseidonError ? err.code : undefined },
      'dispatch failed; will retry',
    );
    this.#wakeAt(id, (this.#dispatchedAt.get(id) ?? this.deps.clock.now()) + DISPATCH_RETRY_MS);
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
            if (isNotFound(err, 'task')) {
              const cur = this.#tasks.get(id);
              if (cur !== undefined && isActive(cur.state)) {
                cur.state = TaskState.Completed;
                cur.reason = 'stopped on request';
                cur.finishedAt = this.#isoNow();
                cur.updatedAt = cur.finishedAt;
                this.#account(cur);
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
    this.#account(rec);
    this.deps.log.warn({ taskId: rec.request.id, reason }, 'task lost its node');
  }

  // ---- views and bookkeeping ----

  #resolve(idOrPrefix: string): TaskRecord {
    const exact = this.#tasks.get(idOrPrefix);
    if (exact !== undefined) return exact;
    const prefix = idOrPrefix.toLowerCase();
    const matches: TaskRecord[] = [];
    if (prefix.length > 0) for (const [id, rec] of this.#tasks) if (id.startsWith(prefix)) matches.push(rec);
    if (matches.length === 0) throw new TaskNotFound(idOrPrefix);
    if (matches.length > 1)
      throw new AmbiguousTaskId(
        idOrPrefix,
        matches.map((m) => m.request.id),
      );
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
    const ops: StoreOp<ManagerRecord>[] = [...new Set(records)].map((task) => ({
      kind: 'put',
      key: TASK_KEY(task),
      value: { kind: 'task', task },
    }));
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
    if (!this.events.hasListeners) return; // nobody follows GET /events: build nothing
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

  /** Now as ISO 8601; the records changed in one millisecond share the string. */
  #isoNow(): string {
    const ms = this.deps.clock.now();
    if (ms !== this.#isoCache.ms) this.#isoCache = { ms, iso: new Date(ms).toISOString() };
    return this.#isoCache.iso;
  }

  /** A record read from the store shares what it holds alike with the others. */
  #compactRecord(t: TaskRecord): void {
    t.request = this.#compact.request(t.request);
    t.reason = this.#compact.string(t.reason);
    t.ports = this.#compact.ports(t.ports);
    t.health = this.#compact.health(t.health);
  }
}

export type { DesiredState };

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** A submission waiting for its first write. */
interface Unsaved {
  rec: TaskRecord;
  durable: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function newUnsaved(rec: TaskRecord): Unsaved {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const durable = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { rec, durable, resolve, reject };
}
