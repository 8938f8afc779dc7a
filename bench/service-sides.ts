// The two sides of the `service` benchmark behind one shape, so each scenario is timed the same
// way on both: the harness sends one request (scale, update) and polls `observe()` until done.

/** What a scenario needs of an orchestrator's service, one service at a time. */
export interface ServiceSide {
  readonly metric: string;
  /**
   * Untimed: a service of `replicas` replicas (version 1), each labelled with the run and
   * `sample`, with the health check below when `healthChecked`.
   */
  create(name: string, replicas: number, sample: string, healthChecked: boolean): Promise<void>;
  /** Sends a scale to `replicas`; returns when the orchestrator accepted it. */
  scale(replicas: number): Promise<void>;
  /** Sends a new version: `good` runs and passes its health check, `bad` exits 1 at once. */
  update(kind: 'good' | 'bad'): Promise<void>;
  /** One poll of the service. */
  observe(): Promise<ServiceObservation>;
  /** Untimed: the service and its containers removed. */
  remove(): Promise<void>;
}

/** Where a rollout stands, in words common to both sides. */
export type RolloutState = 'none' | 'updating' | 'completed' | 'rolling_back' | 'rolled_back' | 'paused';

export interface ServiceObservation {
  /** Slots with a task running (and healthy: both sides count a task only once its check passed). */
  healthy: number;
  rollout: RolloutState;
  /** The orchestrator's own words for `rollout`, for the progress lines. */
  detail: string;
}

/**
 * The health check both sides run in the update scenarios: `true` every second, unhealthy after
 * three failures in a row (with one, a single exec timing out on a busy machine failed a healthy
 * replica and ended a rollout: a shared 2-core machine does that). Scaling runs without one: fifty execs a second (each a process in the container) is
 * more than a 2-core machine keeps up with, and the scale goal is "until all run".
 */
export const HEALTH = { command: ['true'], intervalMs: 1_000, timeoutMs: 1_000, retries: 3 } as const;
/** The update and rollback settings both sides use. */
export const ROLLOUT = {
  parallelism: 2,
  delayMs: 0,
  order: 'start-first',
  monitorMs: 1_000,
  maxFailureRatio: 0,
} as const;
export const COMMAND = ['sleep', '300'] as const;
/** What a bad version runs: it exits 1 at once. */
export const BAD_COMMAND = ['sh', '-c', 'exit 1'] as const;
/** The variable a good version changes (the new version's only difference). */
export const VERSION_VAR = 'BENCH_VERSION';
