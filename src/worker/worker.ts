import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EngineStatus, TaskDigest, WorkerTaskView } from '../api/index.js';
import type { Clock } from '../clock/index.js';
import type { Driver } from '../driver/index.js';
import { hostPortKey } from '../scheduler/index.js';
import type { Store } from '../store/index.js';
import {
  assertTransition,
  isActive,
  isTerminal,
  SharedParts,
  STOPPED_ON_REQUEST,
  TaskState,
  type PortRequest,
  type TaskRequest,
} from '../task/index.js';
import { publishAddress } from '../task/host-ip.js';
import { ContainerEvents } from './container-events.js';
import { ContainerStarts } from './container-starts.js';
import { WorkerStopping } from './errors.js';
import { HealthVerdicts } from './health-verdicts.js';
import { WorkerMetrics } from './metrics.js';
import { NO_HEALTH, stopGraceOf, toView, type WorkerTaskRecord } from './record.js';
import { EngineHealth } from './engine-health.js';
import { EngineRecovery, type OwnershipSource } from './engine-recovery.js';
import { Resync } from './resync.js';
import { StartPacer } from './start-pacer.js';
import { TaskBook, type TaskListener } from './task-book.js';
import { TaskFiles, type TaskFilesSource } from './task-files.js';

export type { TaskListener } from './task-book.js';

/** How long the host ports an ended task's container bound still count as its own (hostPortsOfTasks). */
export const ENDED_PORTS_MS = 60_000;

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
  /** Where tasks' secrets and configs are written, and who gives their values; none: a task with files fails. */
  files?: { root: string; source: TaskFilesSource | undefined };
}

/**
 * Runs tasks as containers and keeps their records truthful: state comes from Docker's event
 * stream, records are durable before they are acknowledged, and on start (and after the engine
 * comes back) the worker resyncs by label, adopting its own containers. The parts, each with one
 * job: the records (TaskBook), container starts (ContainerStarts), the engine's events
 * (ContainerEvents), resync by label (Resync) and health checks (HealthVerdicts); this class
 * wires them and serves the Worker API's operations.
 */
export class Worker {
  readonly #book: TaskBook;
  readonly #starts: ContainerStarts;
  readonly #events: ContainerEvents;
  readonly #resync: Resync;
  readonly #health: HealthVerdicts;
  readonly #engine: EngineHealth;
  readonly #recovery: EngineRecovery;
  readonly #files: TaskFiles;
  #owned: OwnershipSource = async () => null;
  /** The recovery after an engine outage, while it runs: a plain resync waits for it. */
  #recovering: Promise<void> | undefined;
  readonly #inflight = new Set<Promise<unknown>>();
  /** Tasks' requests keep one copy of what many hold alike: a quarter less heap a task (500 bytes). */
  readonly #shared = new SharedParts();
  readonly #abort = new AbortController();
  #watch: Promise<void> | undefined;
  #stopping = false;

  constructor(private readonly deps: Readonly<WorkerDeps>) {
    const metrics = new WorkerMetrics(deps.metrics, () => this.countByState());
    const track = (p: Promise<unknown>): void => this.#track(p);
    this.#book = new TaskBook({
      store: deps.store,
      clock: deps.clock,
      log: deps.log,
      metrics,
      leftRunning: (id) => this.#health.stop(id),
    });
    this.#engine = new EngineHealth({
      clock: deps.clock,
      log: deps.log,
      ping: () => deps.driver.ping(),
      back: (lostAtMs) => {
        const recovering = this.#recovery.run(lostAtMs).finally(() => {
          if (this.#recovering === recovering) this.#recovering = undefined;
        });
        this.#recovering = recovering;
        this.#track(recovering);
      },
      stopping: this.#abort.signal,
    });
    this.#health = new HealthVerdicts({
      book: this.#book,
      driver: deps.driver,
      clock: deps.clock,
      log: deps.log,
      metrics,
      stopGraceSeconds: deps.stopGraceSeconds,
      engineAvailable: () => this.#engine.available,
    });
    const watchHealth = this.#health.watch.bind(this.#health);
    this.#files = new TaskFiles({
      root: deps.files?.root ?? join(tmpdir(), `poseidon-files-${deps.name}`),
      source: deps.files?.source,
      log: deps.log,
    });
    // a task's secrets go once it has ended: a restart is a new generation, which asks for them again
    this.#book.onChange((view) => {
      if (!isTerminal(view.state)) return;
      const rec = this.#book.get(view.id);
      if (rec?.request.files !== undefined) this.#track(this.#files.release(view.id, view.generation + 1));
    });
    this.#starts = new ContainerStarts({
      book: this.#book,
      driver: deps.driver,
      pacer: new StartPacer(deps.startConcurrency),
      files: this.#files,
      log: deps.log,
      metrics,
      stopping: this.#abort.signal,
      track,
      watchHealth,
      engineLost: (reason) => this.#engine.lost(reason),
    });
    this.#resync = new Resync({
      book: this.#book,
      driver: deps.driver,
      starts: this.#starts,
      log: deps.log,
      watchHealth,
    });
    this.#events = new ContainerEvents({
      book: this.#book,
      driver: deps.driver,
      starts: this.#starts,
      engine: this.#engine,
      clock: deps.clock,
      metrics,
      stopHealth: (id) => this.#health.stop(id),
      engineVerdict: (rec, containerId, healthy) => this.#health.engineVerdict(rec, containerId, healthy),
      resync: () => this.resync(),
      track,
    });
    this.#recovery = new EngineRecovery({
      book: this.#book,
      driver: deps.driver,
      resync: this.#resync,
      starts: this.#starts,
      takeHeld: () => {
        const held = this.#events.held();
        this.#events.releaseHeld();
        return held;
      },
      owned: () => this.#owned(),
      log: deps.log,
      watchHealth,
    });
  }

  /** Whether the container engine answers, as heartbeats tell the manager. */
  engineStatus(): EngineStatus {
    return this.#engine.status();
  }

  /**
   * How the worker asks the manager which tasks it still owns when its engine comes back (the
   * reporter's heartbeat with listOwned). Without one, every task the engine stopped comes back.
   */
  askOwnershipWith(source: OwnershipSource): void {
    this.#owned = source;
  }

  get name(): string {
    return this.deps.name;
  }

  async start(): Promise<void> {
    await this.deps.driver.ping();
    await this.#book.load();
    // watch first, then resync: an event during the resync is handled, not missed
    this.#watch = this.deps.driver.watch(this.#events.handle, this.#abort.signal);
    await this.resync();
    // secrets of tasks forgotten while the worker was down
    if (this.deps.files !== undefined)
      await this.#files.sweep(new Set([...this.#book.records()].map((r) => r.request.id)));
    this.deps.log.info({ tasks: this.#book.size }, 'worker started');
  }

  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#abort.abort();
    await this.#watch;
    await this.#health.stopAll();
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    await this.#files.close();
  }

  onChange(fn: TaskListener): () => void {
    return this.#book.onChange(fn);
  }

  list(): WorkerTaskView[] {
    return [...this.#book.records()].map(toView);
  }

  get(id: string): WorkerTaskView {
    return toView(this.#book.require(id));
  }

  /**
   * The host ports this worker's tasks hold or may hold, as `"8080/tcp"` or `"127.0.0.1:8080/tcp"`
   * (hostPortKey; a port that names no host address is keyed where the worker publishes, `publishIp`,
   * when given, as the host's socket tables show it): those each active task
   * (starting or running) asked for by number or was given, and those the container of a task
   * that ended in the last ENDED_PORTS_MS bound (a container's port may outlive its exit for a
   * moment). The manager counts these itself, so a worker reports only the others
   * (portsInUseOutside). A task that ended holds only what its container bound: one whose start
   * failed holds nothing, though it asked for the port, so a port another container on the host
   * holds (`port is already allocated`: another worker's task, when workers share a host) is
   * reported and the manager places no other copy here for it. A task that ended long ago holds
   * nothing either: something else may have taken its port since.
   */
  hostPortsOfTasks(publishIp?: string): Set<string> {
    const keys = new Set<string>();
    const since = this.deps.clock.now() - ENDED_PORTS_MS;
    for (const rec of this.#book.records()) {
      if (isActive(rec.state)) {
        for (const p of rec.request.ports) if (p.hostPort > 0) keys.add(askedKey(p, publishIp));
      } else if (rec.containerId === null || rec.finishedAt === null || Date.parse(rec.finishedAt) < since) continue;
      for (const p of rec.ports) if (p.hostPort > 0) keys.add(hostPortKey(p.hostPort, p.protocol, p.hostIp));
    }
    return keys;
  }

  /** The summary of the active tasks (id, generation) a heartbeat carries instead of the list. */
  activeDigest(): TaskDigest {
    return this.#book.activeDigest();
  }

  countByState(): Map<TaskState, number> {
    return this.#book.countByState();
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
    const book = this.#book;
    const created = await book.lock.run(request.id, async () => {
      const existing = book.get(request.id);
      if (existing !== undefined && generation <= existing.generation) return false;
      if (existing !== undefined && isActive(existing.state)) {
        // placed here again with a newer generation while still running: keep the container
        await book.persist({ ...existing, generation }); // memory changes once the store has it
        existing.generation = generation;
        return false;
      }
      const rec: WorkerTaskRecord = {
        request: this.#shared.request(request),
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
        updatedAt: book.nowIso(),
      };
      if (existing !== undefined) assertTransition(request.id, existing.state, TaskState.Scheduled);
      // durable first: a write that fails (disk full) leaves no record in memory and no container
      await book.persist(rec);
      book.set(rec);
      // every container made for this task is known (the last one is in the record, and each
      // start removes the one before): the driver need not list them
      this.#starts.launch(rec, { fresh: true, replaces: existing?.containerId ?? null });
      return true;
    });
    if (waitMs > 0 && book.require(request.id).state === TaskState.Scheduled) {
      await this.#waitUntilStarted(request.id, waitMs);
    }
    return { task: this.get(request.id), created };
  }

  /**
   * The node has left the cluster: stops and removes every task's container, as remove() does
   * each; an ended task's too, kept until now for its logs, which no one reads here any more.
   */
  async removeAll(): Promise<void> {
    await Promise.allSettled(this.list().map((t) => this.remove(t.id)));
  }

  /**
   * Stops and removes the task's container; the task ends Completed. Idempotent. With
   * `maxGeneration`, a copy placed here later (a newer generation) is left running: the stop
   * was meant for an older copy (fencing).
   */
  async remove(id: string, maxGeneration?: number): Promise<WorkerTaskView> {
    const book = this.#book;
    return book.lock.run(id, async () => {
      const rec = book.require(id);
      if (maxGeneration !== undefined && rec.generation > maxGeneration) return toView(rec);
      rec.stopRequested = true;
      this.#starts.cancel(id);
      this.#health.stop(id); // a check failing while the container stops must not count
      let exitCode = rec.exitCode;
      if (rec.containerId !== null) {
        await this.deps.driver.stop(rec.containerId, stopGraceOf(rec.request, this.deps.stopGraceSeconds));
        exitCode = (await this.deps.driver.inspect(rec.containerId))?.exitCode ?? exitCode;
        await this.deps.driver.remove(rec.containerId);
      }
      if (isActive(rec.state)) {
        book.move(rec, TaskState.Completed, STOPPED_ON_REQUEST);
        rec.exitCode = exitCode;
        rec.finishedAt = book.nowIso();
      }
      await book.persist(rec);
      book.emit(rec);
      return toView(rec);
    });
  }

  /**
   * Forgets an ended task the manager has forgotten (a service slot's old history): its
   * container, if one is left, and its record go. A task that is not ended, or unknown here, is
   * left as it is; true when one was forgotten.
   */
  async forget(id: string): Promise<boolean> {
    const book = this.#book;
    return book.lock.run(id, async () => {
      const rec = book.get(id);
      if (rec === undefined || isActive(rec.state) || this.#starts.isStarting(id)) return false;
      if (rec.containerId !== null) await this.deps.driver.remove(rec.containerId);
      await book.forget(rec);
      await this.#files.release(id);
      return true;
    });
  }

  /**
   * Stops every active exclusive task (its container stopped and removed; the task Failed with
   * `reason`): this worker has lost the manager, which may place them elsewhere once it knows
   * these copies are gone. Returns the ids stopped.
   */
  async fenceExclusive(reason: string): Promise<string[]> {
    const book = this.#book;
    const ids = [...book.records()]
      .filter((r) => r.request.exclusive === true && isActive(r.state))
      .map((r) => r.request.id);
    await Promise.all(
      ids.map((id) =>
        book.lock.run(id, async () => {
          const rec = book.get(id); // ended and forgotten meanwhile: nothing to fence
          if (rec === undefined || !isActive(rec.state)) return;
          rec.stopRequested = true;
          this.#starts.cancel(id);
          this.#health.stop(id);
          if (rec.containerId !== null) {
            await this.deps.driver.stop(rec.containerId, this.deps.stopGraceSeconds);
            await this.deps.driver.remove(rec.containerId);
          }
          book.move(rec, TaskState.Failed, reason);
          rec.finishedAt = book.nowIso();
          await book.persist(rec);
          book.emit(rec);
        }),
      ),
    );
    return ids;
  }

  /**
   * Lists this worker's containers and makes the records agree with them. After an engine
   * outage the recovery goes first: a plain resync would take the containers the engine stopped
   * for exits of the tasks' own.
   */
  async resync(): Promise<void> {
    await this.#recovering?.catch(() => undefined);
    await this.#resync.run();
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

/**
 * The key of a host port a task asks for: on the address its container binds it, where the worker
 * publishes (publishAddress) when that is given, else on the address it asks for (none: every address).
 */
function askedKey(p: PortRequest, publishIp: string | undefined): string {
  const at = publishIp === undefined ? p.hostIp : publishAddress(p.hostIp, publishIp);
  return hostPortKey(p.hostPort, p.protocol, at instanceof Error ? p.hostIp : at);
}
