import type { RestartPolicy } from '../task/index.js';

export type RestartDecision =
  { restart: false; why: string } | { restart: true; delayMs: number; resetBackoff: boolean };

/**
 * Whether a task that ended should start again, and after how long: `never` never, `on-failure`
 * only after a failure, `always` after any exit. Backoff doubles from `backoffInitialMs` up to
 * `backoffMaxMs`, with up to 20% jitter (`random` in [0,1)), and resets when the task ran at least
 * `resetAfterMs` before it ended. `failuresInRow` counts restarts since the last reset.
 */
export function decideRestart(
  policy: RestartPolicy,
  failed: boolean,
  failuresInRow: number,
  ranMs: number,
  random: number,
): RestartDecision {
  if (policy.mode === 'never') return { restart: false, why: 'restart policy is never' };
  if (policy.mode === 'on-failure' && !failed) return { restart: false, why: 'exited cleanly' };
  const resetBackoff = ranMs >= policy.resetAfterMs;
  const inRow = resetBackoff ? 0 : failuresInRow;
  if (policy.maxRestarts !== null && inRow >= policy.maxRestarts) {
    return { restart: false, why: `gave up after ${policy.maxRestarts} restarts` };
  }
  const base = Math.min(policy.backoffMaxMs, policy.backoffInitialMs * 2 ** inRow);
  return { restart: true, delayMs: Math.round(base * (1 + 0.2 * random)), resetBackoff };
}
