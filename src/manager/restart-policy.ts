import { TaskState, type RestartPolicy } from '../task/index.js';
import type { TaskRecord } from './records.js';

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
    return { restart: false, why: `gave up after ${policy.maxRestarts} restart${policy.maxRestarts === 1 ? '' : 's'}` };
  }
  const base = Math.min(policy.backoffMaxMs, policy.backoffInitialMs * 2 ** inRow);
  return { restart: true, delayMs: Math.round(base * (1 + 0.2 * random)), resetBackoff };
}

/**
 * Whether the policy of a task that finished by itself will start it again: what the restart
 * supervisor decides from the same record (its planned time aside), so it holds before that
 * decision is written too. A record without its finish time is taken to restart.
 */
export function restartsAgain(rec: TaskRecord): boolean {
  if (rec.restartAt !== null || rec.finishedAt === null) return true;
  const started = rec.startedAt === null ? NaN : new Date(rec.startedAt).getTime();
  const ranMs = Number.isFinite(started) ? new Date(rec.finishedAt).getTime() - started : 0;
  return decideRestart(rec.request.restartPolicy, rec.state === TaskState.Failed, rec.failuresInRow, ranMs, 0).restart;
}
