import type { Logger } from 'pino';
import type { Clock } from '../clock/index.js';
import type { ContainerState, Driver } from '../driver/index.js';
import { PoseidonError } from '../errors/index.js';
import { TaskState } from '../task/index.js';
import { HealthMonitor, type CheckOutcome } from './health/health-monitor.js';
import { createProbers } from './health/probers.js';
import type { WorkerMetrics } from './metrics.js';
import { stopGraceOf, type WorkerTaskRecord } from './record.js';
import type { TaskBook } from './task-book.js';

export interface HealthVerdictsDeps {
  book: TaskBook;
  driver: Pick<Driver, 'stop' | 'inspect' | 'remove' | 'exec'>;
  clock: Clock;
  log: Logger;
  metrics: WorkerMetrics;
  /** SIGTERM grace before SIGKILL when an unhealthy task's container is stopped. */
  stopGraceSeconds: number;
  /** Whether the container engine answers now. */
  engineAvailable(): boolean;
}

/**
 * Runs the health checks of Running tasks (HealthMonitor) and acts on what they say: a changed
 * health is recorded and reported, an unhealthy verdict stops the container and fails the task
 * (the manager's restart policy decides what follows).
 */
export class HealthVerdicts {
  readonly #monitor: HealthMonitor;
  /** Verdicts on adopted containers found unhealthy, taken after the lock their finder holds. */
  readonly #engineVerdicts = new Set<Promise<void>>();

  constructor(private readonly deps: Readonly<HealthVerdictsDeps>) {
    this.#monitor = new HealthMonitor({
      clock: deps.clock,
      probers: createProbers({ clock: deps.clock, driver: deps.driver }),
      onCheck: (id, outcome) => this.#onCheck(id, outcome),
      log: deps.log,
    });
  }

  /**
   * Starts health checks for a Running task that has them; its health becomes `starting`, or
   * resumes. A task without checks of its own whose container has a HEALTHCHECK (its image's)
   * takes the engine's verdicts instead (engineHealth): `starting` until the first.
   */
  watch(
    rec: WorkerTaskRecord,
    container: Pick<ContainerState, 'containerId' | 'ipAddress'> & Partial<Pick<ContainerState, 'engineHealth'>>,
  ): void {
    const check = rec.request.healthCheck;
    if (rec.state !== TaskState.Running) return;
    if (check === null) {
      this.#adoptEngineHealth(rec, container.containerId, container.engineHealth);
      return;
    }
    // the start period counts from the container's start, so an adopted container gets no second one
    const startedAtMs = rec.startedAt === null ? this.deps.clock.now() : Date.parse(rec.startedAt);
    const target = { containerId: container.containerId, ipAddress: container.ipAddress };
    rec.health = this.#monitor.start(rec.request.id, target, check, { startedAtMs, health: rec.health });
  }

  /** No more checks for this task (it stopped, or is being stopped). */
  stop(taskId: string): void {
    this.#monitor.stop(taskId);
  }

  /** Ends every check, and waits for those in flight. */
  async stopAll(): Promise<void> {
    await this.#monitor.stopAll();
    await Promise.allSettled([...this.#engineVerdicts]);
  }

  /**
   * The engine's verdict on a container's own HEALTHCHECK (a `health_status` event), for a task
   * without checks of its own: healthy is recorded and reported; unhealthy (the engine's retries
   * spent) stops the container and fails the task, as a failed check of Poseidon's does. Called
   * under the task's lock.
   */
  async engineVerdict(rec: WorkerTaskRecord, containerId: string, healthy: boolean): Promise<void> {
    const { book } = this.deps;
    if (rec.request.healthCheck !== null || rec.state !== TaskState.Running || rec.containerId !== containerId) return;
    if (healthy) {
      if (rec.health.status === 'healthy') return;
      rec.health = { status: 'healthy', failures: 0, lastOutput: '', lastCheckedAt: book.nowIso() };
      this.deps.log.info(
        { taskId: rec.request.id, health: 'healthy' },
        "task health changed (its image's HEALTHCHECK)",
      );
      rec.updatedAt = book.nowIso();
      await book.persist(rec);
      book.emit(rec);
      return;
    }
    const lastOutput = (await this.deps.driver.inspect(containerId))?.engineHealth?.lastOutput ?? '';
    rec.health = { status: 'unhealthy', failures: 0, lastOutput, lastCheckedAt: book.nowIso() };
    await this.#stopUnhealthy(
      rec,
      containerId,
      'image',
      `unhealthy: its image's HEALTHCHECK failed (last: ${lastOutput})`,
    );
  }

  /** A container found with a HEALTHCHECK of its own: `starting` until the engine's first verdict. */
  #adoptEngineHealth(
    rec: WorkerTaskRecord,
    containerId: string,
    engine: ContainerState['engineHealth'] | undefined,
  ): void {
    if (engine === undefined || rec.health.status !== 'none') return;
    rec.health = {
      status: engine.status === 'healthy' ? 'healthy' : 'starting',
      failures: 0,
      lastOutput: '',
      lastCheckedAt: null,
    };
    // found unhealthy (adopted after a restart): the engine says no more, so the verdict is taken now
    if (engine.status === 'unhealthy') {
      const id = rec.request.id;
      const verdict = this.deps.book.lock.run(id, async () => {
        const now = this.deps.book.get(id);
        if (now !== undefined) await this.engineVerdict(now, containerId, false);
      });
      this.#engineVerdicts.add(verdict);
      void verdict.finally(() => this.#engineVerdicts.delete(verdict));
    }
  }

  /**
   * Every check lands here. Its health is kept in memory each time, but written and reported
   * only when it says something new (see CheckOutcome.changed): a healthy task costs no writes.
   */
  async #onCheck(id: string, outcome: CheckOutcome): Promise<void> {
    const { book } = this.deps;
    this.deps.metrics.healthChecks.inc({
      type: outcome.check.type,
      result: outcome.result.healthy ? 'healthy' : 'unhealthy',
    });
    await book.lock.run(id, async () => {
      const rec = book.get(id);
      // the task moved on while the check ran: the answer is about a container it no longer runs
      if (rec === undefined || rec.state !== TaskState.Running || rec.containerId !== outcome.target.containerId)
        return;
      // a check cannot pass while the engine is away; the task comes back with it, checks anew
      if (!this.deps.engineAvailable()) return;
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
      rec.updatedAt = book.nowIso();
      await book.persist(rec);
      book.emit(rec);
    });
  }

  /**
   * The task failed its health checks: its container goes the way remove() takes it, but this is
   * no request to stop, so the task ends Failed and the manager applies the restart policy (the
   * worker restarts nothing itself). Called under the task's lock.
   */
  async #failUnhealthy(rec: WorkerTaskRecord, outcome: CheckOutcome): Promise<void> {
    const { check, target, health } = outcome;
    const failed = `${check.failureThreshold} consecutive failed ${check.type} checks`;
    const reason = `unhealthy: ${failed} (last: ${health.lastOutput})`;
    // checks go on when the container could not be stopped: the verdict is reached, and acted on, again
    if (!(await this.#stopUnhealthy(rec, target.containerId, check.type, reason))) this.watch(rec, target);
  }

  /**
   * Stops an unhealthy task's container and fails the task with `reason`; false when the engine
   * could not stop it (the task stays Running). Called under the task's lock.
   */
  async #stopUnhealthy(rec: WorkerTaskRecord, containerId: string, type: string, reason: string): Promise<boolean> {
    const { book, driver, log } = this.deps;
    const id = rec.request.id;
    this.deps.metrics.healthFailures.inc({ type });
    log.warn(
      { taskId: id, containerId, type, output: rec.health.lastOutput },
      'task unhealthy; stopping its container',
    );
    rec.updatedAt = book.nowIso();
    await book.persist(rec); // the verdict is durable before the container goes
    // and told at once: discovery takes the replica out of DNS and the proxies while it stops
    book.emit(rec);
    let exitCode: number | null;
    try {
      book.markOwnStop(containerId);
      await driver.stop(containerId, stopGraceOf(rec.request, this.deps.stopGraceSeconds));
      exitCode = (await driver.inspect(containerId))?.exitCode ?? null;
      await driver.remove(containerId);
    } catch (err) {
      if (err instanceof PoseidonError) log.warn({ taskId: id, code: err.code }, err.message);
      else log.error({ err, taskId: id }, 'stopping an unhealthy task failed unexpectedly');
      return false;
    }
    book.move(rec, TaskState.Failed, reason);
    rec.exitCode = exitCode;
    rec.finishedAt = book.nowIso();
    this.deps.metrics.exits.inc({ state: rec.state });
    await book.persist(rec);
    book.emit(rec);
    return true;
  }
}
