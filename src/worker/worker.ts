import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { TaskDigestBuilder, type TaskDigest, type WorkerTaskView } from '../api/index.js';
import type { Clock } from '../clock/index.js';
import type { ContainerEvent, ContainerState, Driver } from '../driver/index.js';
import { LABEL_TASK_NAME } from '../driver/index.js';
import { PoseidonError, TaskNotFound } from '../errors/index.js';
import { KeyedLock } from '../lock/index.js';
import type { Store } from '../store/index.js';
import { assertTransition, DEFAULT_RESTART_POLICY, isActive, TaskState, type TaskRequest } from '../task/index.js';
import { WorkerStopping } from './errors.js';
import { HealthMonitor, type CheckOutcome } from './health/health-monitor.js';
import { createProbers } from './health/probers.js';
import { WorkerMetrics } from './metrics.js';
import { exitReason, NO_HEALTH, toView, type WorkerTaskRecord } from './record.js';
import { StartPacer } from './start-pacer.js';

export interface WorkerDeps {
  name: string;
  driver: Driver;
  store: Store<WorkerTaskRecord>;
  clock: Clock;
  log: Logger;
  metrics: Registry;
  /** SIGTERM grace before SIGKILL when a task is stopped. */
  stopGraceSeconds: number;
  /** Container starts run at once at most (default DEFAULT_START_CONCURRENCY); the rest wait their turn. */
  startConcurrency?: number;
}

export type TaskListener = (task: WorkerTaskView) => void;

const KEY = (id: string): string => `task/${id}`;

/**
 * Runs tasks as containers and keeps their records truthful: state comes from Docker's event
 * stream, records are durable before they are acknowledged, and on start (and after the engine
 * comes back) the worker resyncs by label, adopting its own containers.
 */
export class Worker {
  readonly #records = new Map<string, WorkerTaskRecord>();
  readonly #lock = new KeyedLock();
  readonly #starts = new Map<string, AbortController>();
  /** Exits seen before the start that made the container was recorded. */
  readonly #earlyExits = new Set<string>();
  /** Containers the engine reported OOM-killed, until their task finishes. */
  readonly #oomKills = new Set<string>();
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #listeners = new Set<TaskListener>();
  readonly #abort = new AbortController();
  readonly #metrics: WorkerMetrics;
  readonly #health: HealthMonitor;
  readonly #pacer: StartPacer;
  #watch: Promise<void> | undefined;
  #stopping = false;

  constructor(private readonly deps: Readonly<WorkerDeps>) {
    this.#metrics = new WorkerMetrics(deps.metrics, () => this.countByState());
    this.#pacer = new StartPacer(deps.startConcurrency);
    this.#health = new HealthMonitor({
      clock: deps.clock,
      probers: createProbers({ clock: deps.clock, driver: deps.driver }),
      onCheck: (id, outcome) => this.#onHealthCheck(id, outcome),
      log: deps.log,
    });
  }

  get name(): string {
    return this.deps.name;
  }

  async start(): Promise<void> {
    await this.deps.driver.ping();
    for (const [key, rec] of await this.deps.store.list('task/')) {
      // one record that cannot be used must not stop the worker: set aside, named in the log
      if (typeof rec?.request?.id !== 'string' || typeof rec.state !== 'string') {
        await this.deps.store.setAside(key);
        this.deps.log.error({ key }, 'stored task record cannot be used; set aside');
        continue;
      }
      this.#records.set(rec.request.id, rec);
    }
    // watch first, then resync: an event during the resync is handled, not missed
    this.#watch = this.deps.driver.watch((e) => this.#onEvent(e), this.#abort.signal);
    await this.resync();
    this.deps.log.info({ tasks: this.#records.size }, 'worker started');
  }

  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#abort.abort();
    await this.#watch;
    await this.#health.stopAll();
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  onChange(fn: TaskListener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  list(): WorkerTaskView[] {
    return [...this.#records.values()].map(toView);
  }

  get(id: string): WorkerTaskView {
    return toView(this.#record(id));
  }

  /** The summary of the active tasks (id, generation) a heartbeat carries instead of the list. */
  activeDigest(): TaskDigest {
    const digest = new TaskDigestBuilder();
    for (const r of this.#records.values()) if (isActive(r.state)) digest.add(r.request.id, r.generation);
    return digest.value;
  }

  countByState(): Map<TaskState, number> {
    const counts = new Map<TaskState, number>();
    for (const r of this.#records.values()) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
    return counts;
  }

  /** The running container of a task, or null. */
  containerOf(id: string): string | null {
    const rec = this.#record(id);
    return rec.state === TaskState.Running ? rec.containerId : null;
  }

  /**
   * Accepts a task: durable record first, then the container starts in the background.
   * Idempotent by task id: the same id (and generation) again returns the existing task.
   * A higher generation for a finished task starts it again (a restart placed here).
   */
  async submit(
    request: TaskRequest,
    generation: number,
    waitMs: number,
  ): Promise<{ task: WorkerTaskView; created: boolean }> {
    if (this.#stopping) throw new WorkerStopping();
    const created = await this.#lock.run(request.id, async () => {
      const existing = this.#records.get(request.id);
      if (existing !== undefined && generation <= existing.generation) return false;
      if (existing !== undefined && isActive(existing.state)) {
        // placed here again with a newer generation while still running: keep the container
        await this.#persist({ ...existing, generation }); // memory changes once the store has it
        existing.generation = generation;
        return false;
      }
      const now = new Date(this.deps.clock.now()).toISOString();
      const rec: WorkerTaskRecord = {
        request,
        generation,
        state: TaskState.Scheduled,
        containerId: null,
        exitCode: null,
        reason: existing === undefined ? 'starting' : `restarting (generation ${generation})`,
        ports: [],
        startedAt: null,
        finishedAt: null,
        stopRequested: false,
        health: NO_HEALTH,
        updatedAt: now,
      };
      if (existing !== undefined) assertTransition(request.id, existing.state, TaskState.Scheduled);
      // durable first: a write that fails (disk full) leaves no record in memory and no container
      await this.#persist(rec);
      this.#records.set(request.id, rec);
      // every container made for this task is known (the last one is in the record, and each
      // start removes the one before): the driver need not list them
      this.#launch(rec, { fresh: true, replaces: existing?.containerId ?? null });
      return true;
    });
    if (waitMs > 0 && this.#record(request.id).state === TaskState.Scheduled) {
      await this.#waitUntilStarted(request.id, waitMs);
    }
    return { task: this.get(request.id), created };
  }

  /**
   * Stops and removes the task's container; the task ends Completed. Idempotent. With
   * `maxGeneration`, a copy placed here later (a newer generation) is left running: the stop
   * was meant for an older copy (fencing).
   */
  async remove(id: string, maxGeneration?: number): Promise<WorkerTaskView> {
    return this.#lock.run(id, async () => {
      const rec = this.#record(id);
      if (maxGeneration !== undefined && rec.generation > maxGeneration) return toView(rec);
      rec.stopRequested = true;
      this.#starts.get(id)?.abort();
      this.#health.stop(id); // a check failing while the container stops must not count
      let exitCode = rec.exitCode;
      if (rec.containerId !== null) {
        await this.deps.driver.stop(rec.containerId, this.deps.stopGraceSeconds);
        exitCode = (await this.deps.driver.inspect(rec.containerId))?.exitCode ?? exitCode;
        await this.deps.driver.remove(rec.containerId);
      }
      if (isActive(rec.state)) {
        this.#move(rec, TaskState.Completed, 'stopped on request');
        rec.exitCode = exitCode;
        rec.finishedAt = new Date(this.deps.clock.now()).toISOString();
      }
      await this.#persist(rec);
      this.#emit(rec);
      return toView(rec);
    });
  }

  /** Lists this worker's containers and makes the records agree with them. */
  async resync(): Promise<void> {
    const containers = await this.deps.driver.list();
    const byTask = new Map<string, ContainerState[]>();
    for (const c of containers) byTask.set(c.taskId, [...(byTask.get(c.taskId) ?? []), c]);
    const ids = new Set([...this.#records.keys(), ...byTask.keys()]);
    await Promise.all([...ids].map((id) => this.#lock.run(id, () => this.#resyncTask(id, byTask.get(id) ?? []))));
  }

  async #resyncTask(id: string, containers: ContainerState[]): Promise<void> {
    let rec = this.#records.get(id);
    if (rec === undefined) {
      const running = containers.find((c) => c.running);
      if (running === undefined) {
        // exited, and no record: nothing to keep
        for (const c of containers) await this.deps.driver.remove(c.containerId);
        return;
      }
      rec = adoptRecord(running, new Date(this.deps.clock.now()).toISOString());
      this.#records.set(id, rec);
      this.deps.log.info({ taskId: id, containerId: running.containerId }, 'adopted container without a record');
    }
    const current = containers.find((c) => c.containerId === rec.containerId);
    // never two copies: any other running container of this task is a stale copy
    for (const c of containers) {
      if (c !== current && c.running) {
        this.deps.log.warn({ taskId: id, containerId: c.containerId }, 'stopping a stale copy of a task');
        await this.deps.driver.remove(c.containerId);
      }
    }
    if (rec.state === TaskState.Scheduled && !this.#starts.has(id)) {
      this.#launch(rec); // the worker stopped mid-start; the driver adopts a container it already made
      return;
    }
    if (rec.state !== TaskState.Running) return;
    if (current === undefined) {
      this.#move(rec, TaskState.Failed, 'container disappeared while the worker was not watching');
      rec.finishedAt = new Date(this.deps.clock.now()).toISOString();
    } else if (!current.running) {
      this.#finish(rec, current);
    } else {
      rec.ports = current.ports;
      this.#watchHealth(rec, current); // adopted after a restart, or still watched (then unchanged)
    }
    await this.#persist(rec);
    this.#emit(rec);
  }

  /**
   * Starts the record's container in the background. `fresh`: no unrecorded container of this
   * task can exist (see StartOptions.fresh). `replaces`: the finished container of the previous
   * generation, removed once the new one runs (until then its logs can still be read).
   */
  #launch(
    rec: WorkerTaskRecord,
    how: { fresh: boolean; replaces: string | null } = { fresh: false, replaces: null },
  ): void {
    const controller = new AbortController();
    this.#starts.set(rec.request.id, controller);
    this.#track(
      this.#runStart(rec, controller.signal, how.fresh).finally(() => {
        if (how.replaces !== null) this.#track(this.deps.driver.remove(how.replaces));
        if (this.#starts.get(rec.request.id) === controller) this.#starts.delete(rec.request.id);
      }),
    );
  }

  async #runStart(rec: WorkerTaskRecord, signal: AbortSignal, fresh: boolean): Promise<void> {
    const id = rec.request.id;
    const began = performance.now();
    let container: ContainerState;
    // paced: a burst of tasks must not ask the engine for every container at once. A start still
    // waiting its turn when the worker stops stays Scheduled; the next start's resync launches it.
    const turn = AbortSignal.any([signal, this.#abort.signal]);
    try {
      container = await this.#pacer.run(
        () => this.deps.driver.start(rec.request, { generation: rec.generation, signal, fresh }),
        turn,
      );
    } catch (err) {
      if (err === turn.reason && !signal.aborted) return; // the worker stopped before its turn came
      // an abort is remove() stopping this start, while it waited its turn or mid-call: expected
      if (!(err instanceof PoseidonError) && !signal.aborted)
        this.deps.log.error({ err, taskId: id }, 'container start failed unexpectedly');
      const reason = err instanceof PoseidonError ? err.message : `container could not be started: ${String(err)}`;
      await this.#lock.run(id, async () => {
        if (this.#records.get(id) !== rec || rec.state !== TaskState.Scheduled) return;
        if (rec.stopRequested) this.#move(rec, TaskState.Completed, 'stopped on request');
        else this.#move(rec, TaskState.Failed, reason);
        rec.finishedAt = new Date(this.deps.clock.now()).toISOString();
        await this.#persist(rec);
        this.#emit(rec);
      });
      this.#metrics.starts.inc({ result: 'failed' });
      this.deps.log.warn({ taskId: id, reason }, 'task failed to start');
      return;
    }
    await this.#lock.run(id, async () => {
      if (this.#records.get(id) !== rec || rec.stopRequested || rec.state !== TaskState.Scheduled) {
        // stopped or replaced while starting: this container is not wanted
        if (this.#records.get(id)?.containerId !== container.containerId)
          await this.deps.driver.remove(container.containerId);
        return;
      }
      rec.containerId = container.containerId;
      rec.ports = container.ports;
      rec.startedAt = container.startedAt;
      this.#move(rec, TaskState.Running, 'running');
      if (!container.running || this.#earlyExits.delete(container.containerId)) {
        this.#finish(rec, (await this.deps.driver.inspect(container.containerId)) ?? container);
      }
      this.#watchHealth(rec, container);
      await this.#persist(rec);
      this.#emit(rec);
    });
    this.#metrics.starts.inc({ result: 'started' });
    this.#metrics.startSeconds.observe((performance.now() - began) / 1000);
    this.deps.log.info(
      { taskId: id, containerId: container.containerId, durationMs: Math.round(performance.now() - began) },
      'task started',
    );
  }

  #onEvent(e: ContainerEvent): void {
    if (e.kind === 'resync') {
      this.#metrics.eventStreamReconnects.inc();
      this.#track(this.resync());
      return;
    }
    this.#track(this.#lock.run(e.taskId, () => this.#applyEvent(e)));
  }

  async #applyEvent(e: Exclude<ContainerEvent, { kind: 'resync' }>): Promise<void> {
    const rec = this.#records.get(e.taskId);
    if (rec === undefined) return;
    if (rec.containerId !== e.containerId) {
      // the start that made this container has not recorded it yet: it checks this set
      if (e.kind === 'exited' && rec.state === TaskState.Scheduled) this.#earlyExits.add(e.containerId);
      return;
    }
    if (rec.state !== TaskState.Running) {
      this.#oomKills.delete(e.containerId); // an oom after the die: the die's 137 asked the engine
      return;
    }
    if (e.kind === 'oom') {
      this.#oomKills.add(e.containerId); // the die that follows tells the end
      return;
    }
    if (e.kind === 'exited') {
      // the event carries the exit code; only a kill (137: the kernel's OOM killer is one) needs
      // the engine's word on why. Otherwise the replacement need not wait for an inspect.
      const oomKilled = this.#oomKills.delete(e.containerId);
      const seen = e.exitCode === 137 && !oomKilled ? await this.deps.driver.inspect(e.containerId) : null;
      this.#finish(rec, seen ?? { exitCode: e.exitCode, oomKilled, finishedAt: e.at });
    } else if (e.kind === 'removed') {
      this.#move(rec, TaskState.Failed, 'container was removed outside Poseidon');
      rec.finishedAt = new Date(this.deps.clock.now()).toISOString();
    } else {
      return;
    }
    await this.#persist(rec);
    this.#emit(rec);
  }

  /** The container ended: Completed on exit 0 (or a requested stop), Failed otherwise. */
  #finish(rec: WorkerTaskRecord, c: Pick<ContainerState, 'exitCode' | 'oomKilled' | 'finishedAt'>): void {
    const exitCode = c.exitCode ?? -1;
    if (rec.stopRequested) this.#move(rec, TaskState.Completed, 'stopped on request');
    else if (exitCode === 0 && !c.oomKilled) this.#move(rec, TaskState.Completed, 'exited with code 0');
    else this.#move(rec, TaskState.Failed, exitReason(exitCode, c.oomKilled, rec.request.memoryBytes));
    rec.exitCode = exitCode;
    rec.finishedAt = c.finishedAt ?? new Date(this.deps.clock.now()).toISOString();
    this.#metrics.exits.inc({ state: rec.state });
  }

  #move(rec: WorkerTaskRecord, to: TaskState, reason: string): void {
    assertTransition(rec.request.id, rec.state, to);
    if (rec.state === TaskState.Running && to !== TaskState.Running) this.#health.stop(rec.request.id);
    rec.state = to;
    rec.reason = reason;
    rec.updatedAt = new Date(this.deps.clock.now()).toISOString();
    this.deps.log.info({ taskId: rec.request.id, state: to, reason }, 'task state changed');
  }

  /** Starts health checks for a Running task that has them; its health becomes `starting`, or resumes. */
  #watchHealth(rec: WorkerTaskRecord, container: Pick<ContainerState, 'containerId' | 'ipAddress'>): void {
    const check = rec.request.healthCheck;
    if (check === null || rec.state !== TaskState.Running) return;
    // the start period counts from the container's start, so an adopted container gets no second one
    const startedAtMs = rec.startedAt === null ? this.deps.clock.now() : Date.parse(rec.startedAt);
    const target = { containerId: container.containerId, ipAddress: container.ipAddress };
    rec.health = this.#health.start(rec.request.id, target, check, { startedAtMs, health: rec.health });
  }

  /**
   * Every check lands here. Its health is kept in memory each time, but written and reported
   * only when it says something new (see CheckOutcome.changed): a healthy task costs no writes.
   */
  async #onHealthCheck(id: string, outcome: CheckOutcome): Promise<void> {
    this.#metrics.healthChecks.inc({
      type: outcome.check.type,
      result: outcome.result.healthy ? 'healthy' : 'unhealthy',
    });
    await this.#lock.run(id, async () => {
      const rec = this.#records.get(id);
      // the task moved on while the check ran: the answer is about a container it no longer runs
      if (rec === undefined || rec.state !== TaskState.Running || rec.containerId !== outcome.target.containerId)
        return;
      const before = rec.health.status;
      rec.health = outcome.health;
      if (outcome.health.status === 'unhealthy') {
        await this.#failUnhealthy(rec, outcome);
        return;
      }
      if (!outcome.changed) return;
      if (outcome.health.status !== before) {
        this.deps.log.info(
          { taskId: id, health: outcome.health.status, output: outcome.health.lastOutput },
          'task health changed',
        );
      }
      rec.updatedAt = new Date(this.deps.clock.now()).toISOString();
      await this.#persist(rec);
      this.#emit(rec);
    });
  }

  /**
   * The task failed its health checks: its container goes the way remove() takes it, but this is
   * no request to stop, so the task ends Failed and the manager applies the restart policy (the
   * worker restarts nothing itself). Called under the task's lock.
   */
  async #failUnhealthy(rec: WorkerTaskRecord, outcome: CheckOutcome): Promise<void> {
    const id = rec.request.id;
    const { check, target, health } = outcome;
    this.#metrics.healthFailures.inc({ type: check.type });
    this.deps.log.warn(
      { taskId: id, containerId: target.containerId, type: check.type, output: health.lastOutput },
      'task unhealthy; stopping its container',
    );
    rec.updatedAt = new Date(this.deps.clock.now()).toISOString();
    await this.#persist(rec); // the verdict is durable before the container goes
    let exitCode: number | null;
    try {
      await this.deps.driver.stop(target.containerId, this.deps.stopGraceSeconds);
      exitCode = (await this.deps.driver.inspect(target.containerId))?.exitCode ?? null;
      await this.deps.driver.remove(target.containerId);
    } catch (err) {
      if (err instanceof PoseidonError) this.deps.log.warn({ taskId: id, code: err.code }, err.message);
      else this.deps.log.error({ err, taskId: id }, 'stopping an unhealthy task failed unexpectedly');
      // checks go on, so the verdict is reached, and acted on, again once the engine answers
      this.#watchHealth(rec, target);
      return;
    }
    this.#move(
      rec,
      TaskState.Failed,
      `unhealthy: ${check.failureThreshold} consecutive failed ${check.type} checks (last: ${health.lastOutput})`,
    );
    rec.exitCode = exitCode;
    rec.finishedAt = new Date(this.deps.clock.now()).toISOString();
    this.#metrics.exits.inc({ state: rec.state });
    await this.#persist(rec);
    this.#emit(rec);
  }

  #record(id: string): WorkerTaskRecord {
    const rec = this.#records.get(id);
    if (rec === undefined) throw new TaskNotFound(id, 'on this worker');
    return rec;
  }

  async #persist(rec: WorkerTaskRecord): Promise<void> {
    await this.deps.store.put(KEY(rec.request.id), rec);
  }

  #emit(rec: WorkerTaskRecord): void {
    const view = toView(rec);
    for (const fn of this.#listeners) fn(view);
  }

  #track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => this.deps.log.error({ err }, 'background task operation failed'));
    this.#inflight.add(tracked);
    void tracked.finally(() => this.#inflight.delete(tracked));
  }

  #waitUntilStarted(id: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        off();
        cancel();
        resolve();
      };
      const off = this.onChange((t) => {
        if (t.id === id && t.state !== TaskState.Scheduled) done();
      });
      const cancel = this.deps.clock.setTimer(timeoutMs, done);
    });
  }
}

/** A record for a running container found by label with no record (the data dir was lost). */
function adoptRecord(c: ContainerState, now: string): WorkerTaskRecord {
  const request: TaskRequest = {
    id: c.taskId,
    name: c.labels[LABEL_TASK_NAME] ?? c.taskId.slice(0, 8),
    image: c.image,
    command: c.command,
    env: {},
    cpuCores: 0,
    memoryBytes: 0,
    diskBytes: 0,
    ports: c.ports.map((p) => ({ containerPort: p.containerPort, hostPort: p.hostPort, protocol: p.protocol })),
    labels: {},
    restartPolicy: { ...DEFAULT_RESTART_POLICY },
    healthCheck: null,
  };
  return {
    request,
    generation: c.generation,
    state: TaskState.Running,
    containerId: c.containerId,
    exitCode: null,
    reason: 'adopted a running container',
    ports: c.ports,
    startedAt: c.startedAt,
    finishedAt: null,
    stopRequested: false,
    health: NO_HEALTH,
    updatedAt: now,
  };
}
