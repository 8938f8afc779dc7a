import type { Clock } from '../clock/index.js';
import { TaskState } from '../task/index.js';
import type { TaskRecord } from './records.js';
import { decideRestart } from './restart-policy.js';
import { planRestart } from './transitions.js';
import { restartPlanText } from '../task/restart-plan.js';

/** What the policy made of a task that just ended. */
export type RestartVerdict =
  | { kind: 'restart'; rec: TaskRecord; delayMs: number }
  | { kind: 'gave-up'; rec: TaskRecord }
  | { kind: 'none'; rec: TaskRecord };

/**
 * Applies the restart policy to tasks that end, and owns the timers that bring a task back to
 * reconcile when something about it is due (a restart after its backoff, a dispatch or stop to
 * retry): one timer per task, kept in a map by task id, as swarmkit's restart supervisor keeps
 * its delays. A new wake-up earlier than the one set replaces it; cancel() drops one, cancelAll()
 * every one (on stop). The restart itself is a reconcile action; nothing here sleeps.
 */
export class RestartSupervisor {
  readonly #timers = new Map<string, { atMs: number; cancel: () => void }>();
  #stopped = false;

  constructor(
    private readonly deps: {
      clock: Clock;
      /** [0,1) for backoff jitter. */
      random: () => number;
      /** A wake-up fired: reconcile should look at the task again. */
      due(taskId: string): void;
    },
  ) {}

  /** The record with its restart planned (restartAt and reason), or why it stays ended. */
  decide(rec: TaskRecord): RestartVerdict {
    const started = rec.startedAt === null ? NaN : new Date(rec.startedAt).getTime();
    const finished = rec.finishedAt === null ? this.deps.clock.now() : new Date(rec.finishedAt).getTime();
    const ranMs = Number.isFinite(started) ? finished - started : 0;
    const failed = rec.state === TaskState.Failed;
    const decision = decideRestart(rec.request.restartPolicy, failed, rec.failuresInRow, ranMs, this.deps.random());
    if (!decision.restart) {
      if (failed && rec.failuresInRow > 0) {
        return {
          kind: 'gave-up',
          rec: planRestart(rec, { atMs: null, reason: `${rec.reason}; ${decision.why}`, resetBackoff: false }),
        };
      }
      return { kind: 'none', rec: planRestart(rec, { atMs: null, reason: rec.reason, resetBackoff: false }) };
    }
    const atMs = this.deps.clock.now() + decision.delayMs;
    const reason = `${rec.reason}${restartPlanText(decision.delayMs)}`;
    return {
      kind: 'restart',
      rec: planRestart(rec, { atMs, reason, resetBackoff: decision.resetBackoff }),
      delayMs: decision.delayMs,
    };
  }

  /** Wakes reconcile for the task at `atMs`; an earlier wake-up already set wins. */
  wakeAt(taskId: string, atMs: number): void {
    if (this.#stopped) return;
    const t = this.#timers.get(taskId);
    // the earlier wake wins: the pass it starts decides everything due about the task then
    if (t !== undefined && t.atMs <= atMs) return;
    t?.cancel();
    const cancel = this.deps.clock.setTimer(Math.max(0, atMs - this.deps.clock.now()), () => {
      this.#timers.delete(taskId);
      this.deps.due(taskId);
    });
    this.#timers.set(taskId, { atMs, cancel });
  }

  /** Drops the task's wake-up (its restart was cancelled by a stop). */
  cancel(taskId: string): void {
    this.#timers.get(taskId)?.cancel();
    this.#timers.delete(taskId);
  }

  /** Drops every wake-up; none is set afterwards. */
  cancelAll(): void {
    this.#stopped = true;
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
  }
}
