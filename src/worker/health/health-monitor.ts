import type { HealthView } from '../../api/index.js';
import type { Clock } from '../../clock/index.js';
import type { HealthCheck, HealthCheckType } from '../../task/index.js';
import { capOutput, describeError, type Prober, type ProbeResult, type ProbeTarget } from './prober.js';

/** What one check did to a task's health. */
export interface CheckOutcome {
  target: ProbeTarget;
  check: HealthCheck;
  /** This check's own verdict. */
  result: ProbeResult;
  /** The task's health after it. `unhealthy` is final: the monitor has already let the task go. */
  health: HealthView;
  /**
   * Worth persisting and reporting: the status changed, a failure said something new, or a
   * success ended a run of failures. A steady run of identical checks changes nothing, so a
   * healthy task costs no writes.
   */
  changed: boolean;
}

export interface HealthMonitorDeps {
  clock: Clock;
  probers: Readonly<Record<HealthCheckType, Prober>>;
  /** After every check, in order per task; the task's next check waits for it to settle. */
  onCheck(taskId: string, outcome: CheckOutcome): Promise<void>;
  log: { error(obj: object, msg: string): void };
}

/**
 * A task that is starting gets early looks before its first check: at this many ms after the
 * watch starts, then twice as late each time, while that is before the first interval ends. A
 * failed early look counts for nothing (a process just started is rarely listening yet); the
 * first success makes the task healthy at once, not up to an interval later (what Docker 25's
 * `--health-start-interval` is for). The regular checks keep their times.
 */
export const FIRST_LOOK_MS = 100;

export interface WatchOptions {
  /** When the container started (epoch ms): the start period counts from here, also for an adopted container. */
  startedAtMs: number;
  /** The last known health, to resume from after a worker restart. */
  health?: HealthView;
}

export const STARTING: HealthView = { status: 'starting', failures: 0, lastOutput: '', lastCheckedAt: null };

interface Watch {
  readonly target: ProbeTarget;
  readonly check: HealthCheck;
  readonly startedAtMs: number;
  health: HealthView;
  /** When the watch began (the clock's ms): early looks and the first check count from here. */
  readonly watchedAtMs: number;
  /** The next early look, ms after `watchedAtMs`; undefined once they are over. */
  earlyLookMs: number | undefined;
  /** Aborted on stop: the check in flight lets go of its socket or exec. */
  readonly abort: AbortController;
  cancelTimer: (() => void) | undefined;
}

/**
 * Checks the health of running tasks, one timer per task (keyed by task id): a check every
 * `intervalMs`, failures ignored during `startPeriodMs` until the first success, and after
 * `failureThreshold` consecutive failures the task is declared unhealthy and no longer checked.
 * What to do about it is the caller's business (`onCheck`); the monitor only keeps the count.
 */
export class HealthMonitor {
  readonly #watches = new Map<string, Watch>();
  /** Checks in flight, with their onCheck: stopAll() waits for them, idle() too. */
  readonly #inflight = new Set<Promise<void>>();
  #stopped = false;

  constructor(private readonly deps: Readonly<HealthMonitorDeps>) {}

  /**
   * Starts checking a task's container and returns its health now. Starting again for the same
   * container keeps the running watch (a resync); for another container it starts afresh.
   * Does nothing after stopAll().
   */
  start(taskId: string, target: ProbeTarget, check: HealthCheck, opts: WatchOptions): HealthView {
    const current = this.#watches.get(taskId);
    if (current !== undefined && current.target.containerId === target.containerId) return current.health;
    this.stop(taskId);
    const health = resumed(opts.health);
    if (this.#stopped) return health;
    const early = health.status === 'starting' && FIRST_LOOK_MS < check.intervalMs;
    const watch: Watch = {
      target,
      check,
      startedAtMs: opts.startedAtMs,
      health,
      watchedAtMs: this.deps.clock.now(),
      earlyLookMs: early ? FIRST_LOOK_MS : undefined,
      abort: new AbortController(),
      cancelTimer: undefined,
    };
    this.#watches.set(taskId, watch);
    // the first check waits one interval, as Docker's does; a starting task gets early looks before it
    this.#schedule(taskId, watch, watch.earlyLookMs ?? check.intervalMs);
    return health;
  }

  /** Stops checking a task: its timer is cancelled and a check in flight is dropped. Idempotent. */
  stop(taskId: string): void {
    const watch = this.#watches.get(taskId);
    if (watch === undefined) return;
    this.#watches.delete(taskId);
    watch.cancelTimer?.();
    watch.abort.abort();
  }

  isWatching(taskId: string): boolean {
    return this.#watches.has(taskId);
  }

  /** Resolves when no check (nor its onCheck) is in flight. */
  async idle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  /** Stops every watch, refuses new ones, and returns once the checks in flight have settled. */
  async stopAll(): Promise<void> {
    this.#stopped = true;
    for (const taskId of [...this.#watches.keys()]) this.stop(taskId);
    await this.idle();
  }

  #schedule(taskId: string, watch: Watch, delayMs: number): void {
    watch.cancelTimer = this.deps.clock.setTimer(delayMs, () => {
      watch.cancelTimer = undefined;
      const running = this.#check(taskId, watch);
      this.#inflight.add(running);
      void running.finally(() => this.#inflight.delete(running));
    });
  }

  /** A failed early look: nothing counted or reported; the next look twice as late, or the first check. */
  #nextEarlyLook(taskId: string, watch: Watch): void {
    const lookMs = (watch.earlyLookMs as number) * 2;
    const checkMs = watch.check.intervalMs;
    watch.earlyLookMs = lookMs < checkMs ? lookMs : undefined;
    const sinceMs = this.deps.clock.now() - watch.watchedAtMs;
    this.#schedule(taskId, watch, Math.max(0, (watch.earlyLookMs ?? checkMs) - sinceMs));
  }

  async #check(taskId: string, watch: Watch): Promise<void> {
    const began = this.deps.clock.now();
    let result: ProbeResult;
    try {
      result = await this.deps.probers[watch.check.type].probe(watch.target, watch.check, watch.abort.signal);
    } catch (err) {
      // a prober answers unhealthy rather than throwing; if one throws anyway, the check failed
      result = { healthy: false, output: capOutput(describeError(err)) };
    }
    // stopped while checking: the answer is about a container we let go
    if (this.#watches.get(taskId) !== watch) return;
    if (watch.earlyLookMs !== undefined) {
      if (!result.healthy) return this.#nextEarlyLook(taskId, watch);
      watch.earlyLookMs = undefined;
    }
    const nowMs = this.deps.clock.now();
    const next = nextHealth(
      watch.health,
      result,
      watch.check,
      nowMs - watch.startedAtMs,
      new Date(nowMs).toISOString(),
    );
    watch.health = next.health;
    if (next.health.status === 'unhealthy') this.stop(taskId);
    try {
      await this.deps.onCheck(taskId, {
        target: watch.target,
        check: watch.check,
        result,
        health: next.health,
        changed: next.changed,
      });
    } catch (err) {
      this.deps.log.error({ err, taskId }, 'handling a health check result failed');
    }
    if (this.#watches.get(taskId) !== watch) return;
    // the interval runs from the start of one check to the start of the next
    this.#schedule(taskId, watch, Math.max(0, watch.check.intervalMs - (this.deps.clock.now() - began)));
  }
}

/**
 * The health after one check. During the start period, and only until the first success,
 * failures are not counted (a slow starter is not punished); after that `failureThreshold`
 * consecutive failures make the task unhealthy, and any success resets the count.
 */
export function nextHealth(
  prev: HealthView,
  result: ProbeResult,
  check: Pick<HealthCheck, 'failureThreshold' | 'startPeriodMs'>,
  sinceStartMs: number,
  checkedAt: string,
): { health: HealthView; changed: boolean } {
  let health: HealthView;
  if (result.healthy) {
    health = { status: 'healthy', failures: 0, lastOutput: result.output, lastCheckedAt: checkedAt };
  } else if (prev.status === 'starting' && sinceStartMs < check.startPeriodMs) {
    health = { status: 'starting', failures: 0, lastOutput: result.output, lastCheckedAt: checkedAt };
  } else {
    const failures = prev.failures + 1;
    const status = failures >= check.failureThreshold ? 'unhealthy' : prev.status === 'none' ? 'starting' : prev.status;
    health = { status, failures, lastOutput: result.output, lastCheckedAt: checkedAt };
  }
  const changed =
    health.status !== prev.status ||
    (!result.healthy && result.output !== prev.lastOutput) ||
    (result.healthy && prev.failures > 0);
  return { health, changed };
}

/** Where a watch starts: the stored health of a container it already knew, else `starting`. */
function resumed(stored: HealthView | undefined): HealthView {
  if (stored === undefined || stored.status === 'none' || stored.status === 'unhealthy') return { ...STARTING };
  return stored;
}
