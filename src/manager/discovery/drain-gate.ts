import type { Logger } from 'pino';
import type { Clock } from '../../clock/index.js';
import { APPLY_WAIT_MS } from '../../discovery/index.js';
import type { Consumer } from './consumers.js';

export interface DrainGateDeps {
  clock: Clock;
  log: Logger;
  /** The table's epoch: only what a consumer applied in this run counts. */
  epoch: string;
  /** The revision that made the task's endpoint draining, published; undefined when it is no draining endpoint. */
  drainingSince(taskId: string): number | undefined;
  /** The open watches now. */
  consumers(): Iterable<Consumer>;
  /** How long the task's open connections may drain (its service's drainTimeout). */
  drainTimeoutMs(taskId: string): number;
  /** Sends the stop to the worker: the drain is over. */
  release(taskId: string, nodeId: string): void;
  /** How long an unanswering consumer is waited for (APPLY_WAIT_MS unless a test sets it). */
  applyWaitMs?: number;
}

interface Held {
  nodeId: string;
  revision: number;
  sinceMs: number;
  deadlineMs: number;
  cancels: Array<() => void>;
}

/**
 * Holds the stop of a replica whose endpoint is draining until every live consumer (an open watch)
 * has applied the revision that made it draining and has no open connection to it left, or its
 * drain timeout passed. A consumer that has not applied it within APPLY_WAIT_MS of the change (or
 * of its own connect) is not waited for; with no live consumer the stop goes once the change is
 * published. Each task waits on its own timers (the clock's), so nothing else ever waits on a drain.
 */
export class DrainGate {
  readonly #held = new Map<string, Held>();
  /** Tasks whose stop went: a retried stop of theirs passes straight through. */
  readonly #released = new Set<string>();
  readonly #applyWaitMs: number;

  constructor(private readonly deps: DrainGateDeps) {
    this.#applyWaitMs = deps.applyWaitMs ?? APPLY_WAIT_MS;
  }

  /** Tasks whose stop waits now. */
  get waiting(): number {
    return this.#held.size;
  }

  isHeld(taskId: string): boolean {
    return this.#held.has(taskId);
  }

  /**
   * The manager is about to stop this task: true when the gate holds the stop (and sends it
   * itself later), false when it may go now (no draining endpoint, or its drain is over).
   */
  hold(taskId: string, nodeId: string): boolean {
    if (this.#held.has(taskId)) return true;
    if (this.#released.has(taskId)) return false;
    const revision = this.deps.drainingSince(taskId);
    if (revision === undefined) return false;
    const now = this.deps.clock.now();
    const held: Held = {
      nodeId,
      revision,
      sinceMs: now,
      deadlineMs: now + this.deps.drainTimeoutMs(taskId),
      cancels: [],
    };
    this.#held.set(taskId, held);
    if (this.#settle(taskId, held)) return false;
    held.cancels.push(this.deps.clock.setTimer(held.deadlineMs - now, () => this.#check(taskId)));
    held.cancels.push(this.deps.clock.setTimer(this.#applyWaitMs, () => this.#check(taskId)));
    this.deps.log.info({ taskId, revision, drainTimeoutMs: held.deadlineMs - now }, 'replica draining before its stop');
    return true;
  }

  /** Consumers changed (applied, connected, went away): every held task is looked at again. */
  consumersChanged(joinedAtMs?: number): void {
    for (const [taskId, held] of this.#held) {
      if (joinedAtMs !== undefined)
        held.cancels.push(this.deps.clock.setTimer(this.#applyWaitMs, () => this.#check(taskId)));
      this.#check(taskId);
    }
  }

  /** The task no longer holds a container (or is gone): forget it, held or released. */
  forget(taskId: string): void {
    this.#drop(taskId);
    this.#released.delete(taskId);
  }

  stop(): void {
    for (const taskId of [...this.#held.keys()]) this.#drop(taskId);
  }

  #check(taskId: string): void {
    const held = this.#held.get(taskId);
    if (held === undefined) return;
    if (this.#settle(taskId, held)) this.deps.release(taskId, held.nodeId);
  }

  /** Whether the drain is over; if so the task is released (the caller sends the stop). */
  #settle(taskId: string, held: Held): boolean {
    const now = this.deps.clock.now();
    const waitingFor = now >= held.deadlineMs ? 0 : this.#waitingFor(taskId, held, now);
    if (waitingFor > 0) return false;
    this.#drop(taskId);
    this.#released.add(taskId);
    const why = now >= held.deadlineMs ? 'drain timeout' : 'drained';
    this.deps.log.info({ taskId, durationMs: now - held.sinceMs, why }, 'replica drained; stopping it');
    return true;
  }

  /** Live consumers the task still waits for. */
  #waitingFor(taskId: string, held: Held, now: number): number {
    let waiting = 0;
    for (const c of this.deps.consumers()) {
      const applied = c.epoch === this.deps.epoch && c.revision >= held.revision;
      if (!applied) {
        // not answering: waited for APPLY_WAIT_MS from the change, or from its own connect
        if (now - Math.max(held.sinceMs, c.connectedAtMs) < this.#applyWaitMs) waiting += 1;
      } else if ((c.draining[taskId] ?? 0) > 0) waiting += 1;
    }
    return waiting;
  }

  #drop(taskId: string): void {
    const held = this.#held.get(taskId);
    if (held === undefined) return;
    for (const cancel of held.cancels) cancel();
    this.#held.delete(taskId);
  }
}
