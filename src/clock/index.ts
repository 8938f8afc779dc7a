/** Time as a dependency, so tests can drive it. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

/**
 * The longest delay one Node timer holds: beyond it Node fires after 1 ms instead (with a
 * TimeoutOverflowWarning), so a far deadline re-armed on every firing spins the process.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs `fn` after `ms`, however far: a delay longer than one timer holds is waited out in steps of
 * at most MAX_TIMER_MS. `schedule` is setTimeout (a test may count the steps); each step is
 * unref'd, so a pending timer never keeps the process alive.
 */
export function setLongTimer(
  ms: number,
  fn: () => void,
  schedule: (fn: () => void, ms: number) => { unref?(): unknown } = setTimeout,
): () => void {
  let cancelled = false;
  let current: ReturnType<typeof schedule> | undefined;
  const arm = (left: number): void => {
    const step = Math.min(Math.max(0, left), MAX_TIMER_MS);
    current = schedule(() => {
      if (cancelled) return;
      if (left > step) arm(left - step);
      else fn();
    }, step);
    current.unref?.();
  };
  arm(ms);
  return () => {
    cancelled = true;
    clearTimeout(current as Parameters<typeof clearTimeout>[0]);
  };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, fn) => setLongTimer(ms, fn),
};
