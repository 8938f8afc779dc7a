import type { Clock } from '../../src/clock/index.js';

interface Timer {
  seq: number;
  dueMs: number;
  fn: () => void;
}

/**
 * A Clock that moves only when told. `advance(ms)` fires every timer that falls due within the
 * window, earliest first (ties in the order they were set), with `now()` set to each timer's due
 * time while it runs; timers set by a firing timer fire too if they fall within the window.
 */
export class FakeClock implements Clock {
  #nowMs: number;
  #seq = 0;
  readonly #timers = new Map<number, Timer>();

  constructor(startMs = Date.UTC(2025, 0, 1)) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const seq = this.#seq++;
    this.#timers.set(seq, { seq, dueMs: this.#nowMs + Math.max(0, ms), fn });
    return () => {
      this.#timers.delete(seq);
    };
  }

  advance(ms: number): void {
    const targetMs = this.#nowMs + ms;
    for (let t = this.#nextDue(targetMs); t !== undefined; t = this.#nextDue(targetMs)) {
      this.#timers.delete(t.seq);
      this.#nowMs = t.dueMs;
      t.fn();
    }
    this.#nowMs = targetMs;
  }

  /** Timers set and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  #nextDue(targetMs: number): Timer | undefined {
    let next: Timer | undefined;
    for (const t of this.#timers.values()) {
      if (t.dueMs > targetMs) continue;
      if (next === undefined || t.dueMs < next.dueMs || (t.dueMs === next.dueMs && t.seq < next.seq)) next = t;
    }
    return next;
  }
}
