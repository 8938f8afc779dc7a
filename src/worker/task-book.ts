import type { Logger } from 'pino';
import { TaskDigestBuilder, type TaskDigest, type WorkerTaskView } from '../api/index.js';
import type { Clock } from '../clock/index.js';
import type { ContainerState } from '../driver/index.js';
import { TaskNotFound } from '../errors/index.js';
import { KeyedLock } from '../lock/index.js';
import type { Store } from '../store/index.js';
import { assertTransition, isActive, STOPPED_ON_REQUEST, TaskState } from '../task/index.js';
import type { WorkerMetrics } from './metrics.js';
import { exitReason, recordProblem, toView, type WorkerTaskRecord } from './record.js';

export type TaskListener = (task: WorkerTaskView) => void;

export interface TaskBookDeps {
  store: Store<WorkerTaskRecord>;
  clock: Clock;
  log: Logger;
  metrics: WorkerMetrics;
  /** A task left Running: its health checks must stop. */
  leftRunning(taskId: string): void;
}

const KEY = (id: string): string => `task/${id}`;

/**
 * The worker's task records and the one way each part changes them: under the task's lock, by
 * a checked move, made durable (persist) before it is told to listeners (emit). It also keeps
 * the digest of the active tasks as records are written, so a heartbeat costs no scan.
 */
export class TaskBook {
  readonly #records = new Map<string, WorkerTaskRecord>();
  /** One operation per task at a time: submit, remove, a start's end, an event, a check, a resync. */
  readonly lock = new KeyedLock();
  readonly #listeners = new Set<TaskListener>();
  readonly #digest = new TaskDigestBuilder();
  /** The generation each active task is counted under in #digest. */
  readonly #digested = new Map<string, number>();
  /** Containers the worker itself is stopping while their task is Running: their signals are its own. */
  readonly #ownStops = new Set<string>();
  /** The last nowIso(): the changes of one millisecond share the string. */
  #isoCache = { ms: Number.NaN, iso: '' };

  constructor(private readonly deps: Readonly<TaskBookDeps>) {}

  /** Reads every record from the store (the worker's start); one that cannot be used is set aside, named in the log. */
  async load(): Promise<void> {
    for (const [key, rec] of await this.deps.store.list('task/')) {
      const problem = recordProblem(rec);
      if (problem !== null) {
        await this.deps.store.setAside(key);
        this.deps.log.error({ key, problem }, 'stored task record cannot be used; set aside');
        continue;
      }
      this.#records.set(rec.request.id, rec);
      this.#count(rec);
    }
  }

  get size(): number {
    return this.#records.size;
  }

  get(id: string): WorkerTaskRecord | undefined {
    return this.#records.get(id);
  }

  /** The record of a task; TaskNotFound when this worker has none. */
  require(id: string): WorkerTaskRecord {
    const rec = this.#records.get(id);
    if (rec === undefined) throw new TaskNotFound(id, 'on this worker');
    return rec;
  }

  ids(): IterableIterator<string> {
    return this.#records.keys();
  }

  records(): IterableIterator<WorkerTaskRecord> {
    return this.#records.values();
  }

  /** Puts a new record in place of the task's old one; the caller persists it. */
  set(rec: WorkerTaskRecord): void {
    this.#records.set(rec.request.id, rec);
  }

  /** Writes the record; once written, it counts in the digest as what it is now (a failed write changes nothing). */
  async persist(rec: WorkerTaskRecord): Promise<void> {
    await this.deps.store.put(KEY(rec.request.id), rec);
    this.#count(rec);
  }

  /** Deletes an ended task's record, from the store first (a failed delete changes nothing). */
  async forget(rec: WorkerTaskRecord): Promise<void> {
    if (isActive(rec.state)) throw new Error(`task ${rec.request.id} is ${rec.state}: only an ended task is forgotten`);
    await this.deps.store.delete(KEY(rec.request.id));
    this.#records.delete(rec.request.id);
  }

  /** Tells every listener (the reporter) the task as it is now; after persist, so what is told is durable. */
  emit(rec: WorkerTaskRecord): void {
    const view = toView(rec);
    for (const fn of this.#listeners) fn(view);
  }

  onChange(fn: TaskListener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** The worker is about to signal this container itself (a stop it decided): not someone else's kill. */
  markOwnStop(containerId: string): void {
    this.#ownStops.add(containerId);
  }

  isOwnStop(containerId: string): boolean {
    return this.#ownStops.has(containerId);
  }

  /** A state change, checked against the task state machine. */
  move(rec: WorkerTaskRecord, to: TaskState, reason: string): void {
    assertTransition(rec.request.id, rec.state, to);
    if (rec.state === TaskState.Running && to !== TaskState.Running) {
      this.deps.leftRunning(rec.request.id);
      if (rec.containerId !== null) this.#ownStops.delete(rec.containerId);
    }
    rec.state = to;
    rec.reason = reason;
    rec.updatedAt = this.nowIso();
    // the manager hears of every change; the worker's log keeps failures at info
    this.deps.log[to === TaskState.Failed ? 'info' : 'debug'](
      { taskId: rec.request.id, state: to, reason },
      'task state changed',
    );
  }

  /** The container ended: Completed on exit 0 (or a requested stop), Failed otherwise. */
  finish(
    rec: WorkerTaskRecord,
    c: Pick<ContainerState, 'exitCode' | 'oomKilled' | 'finishedAt'> &
      Partial<Pick<ContainerState, 'startedAt' | 'containerId'>>,
  ): void {
    const exitCode = c.exitCode ?? -1;
    if (rec.stopRequested) this.move(rec, TaskState.Completed, STOPPED_ON_REQUEST);
    else if (exitCode === 0 && !c.oomKilled) this.move(rec, TaskState.Completed, 'exited with code 0');
    else this.move(rec, TaskState.Failed, exitReason(exitCode, c.oomKilled, rec.request.memoryBytes));
    rec.exitCode = exitCode;
    rec.finishedAt = c.finishedAt ?? this.nowIso();
    // the start's own time is its call's return, a few ms after the engine's: the engine's, when
    // told, and never after the end (a container that exits at once ended before the call returned)
    if (c.startedAt != null && c.containerId === rec.containerId) rec.startedAt = c.startedAt;
    if (rec.startedAt !== null && Date.parse(rec.startedAt) > Date.parse(rec.finishedAt))
      rec.startedAt = rec.finishedAt;
    this.deps.metrics.exits.inc({ state: rec.state });
  }

  /** The summary of the active tasks (id, generation) a heartbeat carries instead of the list. */
  activeDigest(): TaskDigest {
    return this.#digest.value;
  }

  countByState(): Map<TaskState, number> {
    const counts = new Map<TaskState, number>();
    for (const r of this.#records.values()) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
    return counts;
  }

  nowIso(): string {
    const ms = this.deps.clock.now();
    if (ms !== this.#isoCache.ms) this.#isoCache = { ms, iso: new Date(ms).toISOString() };
    return this.#isoCache.iso;
  }

  /** Makes the digest count the record as it is: out under its old generation, in under its new one. */
  #count(rec: WorkerTaskRecord): void {
    const id = rec.request.id;
    const before = this.#digested.get(id);
    const after = isActive(rec.state) ? rec.generation : undefined;
    if (before === after) return;
    if (before !== undefined) this.#digest.remove(id, before);
    if (after === undefined) this.#digested.delete(id);
    else {
      this.#digest.add(id, after);
      this.#digested.set(id, after);
    }
  }
}
