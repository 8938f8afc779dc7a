/** One call waiting for a turn. */
interface Waiter {
  readonly signals: readonly AbortSignal[];
  readonly spot: LineSpot | undefined;
  readonly go: () => void;
  readonly fail: (reason: unknown) => void;
  /** It left the line (its turn came, or a signal aborted): skipped where it still sits in the queue. */
  gone: boolean;
}

/**
 * A call's place in line, for an owner that may take it back: while the call waits, the pacer
 * sets `leave`, which takes it out of line and rejects its run with the reason given. Cheaper
 * than an AbortSignal of its own for each call: a container start is cancelled rarely, and a
 * signal costs its start an EventTarget and a listener added and removed.
 */
export interface LineSpot {
  leave: ((reason: unknown) => void) | undefined;
}

/** The waiters that share one signal, and the one listener the signal has for all of them. */
interface Watched {
  readonly waiters: Set<Waiter>;
  readonly onAbort: () => void;
}

/** A queue's head this far in, and past half its length, is cut off (amortised O(1) per call). */
const COMPACT_AFTER = 1_024;

/**
 * At most `concurrency` calls run at once; the rest wait their turn in the order they came, and
 * one whose signal aborts while it waits leaves the line. Container starts (StartPacer) and exec
 * health checks (health/probe-exec.ts) take turns through one.
 *
 * Every call's cost is O(1) however long the line: a signal many waiters share (the worker's
 * `stopping`) gets one 'abort' listener, not one per waiter (Node's addEventListener walks the
 * signal's listeners to refuse duplicates, so a listener each made a burst of N starts O(N²):
 * 24,000 queued starts took 5.5 s of cpu, half of it there), and the line is an array read from a
 * head index, not shifted.
 */
export class Pacer {
  #active = 0;
  #queue: Waiter[] = [];
  #head = 0;
  #waiting = 0;
  readonly #watched = new Map<AbortSignal, Watched>();

  constructor(readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError(`concurrency is ${concurrency}; use a whole number of at least 1`);
  }

  /** Calls running now (not waiting for a turn). */
  get active(): number {
    return this.#active;
  }

  /** Calls waiting for a turn. */
  get waiting(): number {
    return this.#waiting;
  }

  /**
   * Runs `call` when a turn is free and frees the turn when it settles. An abort of any of
   * `signals` while waiting leaves the line and rejects with that signal's reason; `call` never
   * runs then. (Several signals rather than one AbortSignal.any: that costs a container start
   * more than the rest of its bookkeeping, and its listeners live until collected.)
   */
  run<T>(call: () => Promise<T>, ...signals: AbortSignal[]): Promise<T> {
    return this.runFrom(undefined, call, ...signals);
  }

  /** As run, and while the call waits its turn, `spot.leave` takes it out of line. */
  async runFrom<T>(spot: LineSpot | undefined, call: () => Promise<T>, ...signals: AbortSignal[]): Promise<T> {
    // a free turn is taken at once, without waiting on a promise of its own (a container start's
    // usual case); #turn keeps the line
    if (this.#active < this.concurrency) {
      for (const signal of signals) signal.throwIfAborted();
      this.#active += 1;
    } else await this.#turn(signals, spot);
    try {
      return await call();
    } finally {
      this.#release();
    }
  }

  #turn(signals: readonly AbortSignal[], spot: LineSpot | undefined): Promise<void> {
    for (const signal of signals) signal.throwIfAborted();
    if (this.#active < this.concurrency) {
      this.#active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      // the turn is handed over by #release, already counted as active
      const waiter: Waiter = { signals, spot, go: resolve, fail: reject, gone: false };
      this.#queue.push(waiter);
      this.#waiting += 1;
      for (const signal of signals) this.#watch(signal).waiters.add(waiter);
      if (spot !== undefined) {
        spot.leave = (reason) => {
          this.#leave(waiter);
          reject(reason);
        };
      }
    });
  }

  #watch(signal: AbortSignal): Watched {
    let watched = this.#watched.get(signal);
    if (watched === undefined) {
      const waiters = new Set<Waiter>();
      const onAbort = (): void => {
        this.#watched.delete(signal);
        for (const waiter of waiters) {
          this.#leave(waiter);
          waiter.fail(signal.reason);
        }
      };
      watched = { waiters, onAbort };
      this.#watched.set(signal, watched);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    return watched;
  }

  /** Takes the waiter out of the line and out of its signals' watch; a signal no one waits on loses its listener. */
  #leave(waiter: Waiter): void {
    if (waiter.gone) return;
    waiter.gone = true;
    this.#waiting -= 1;
    if (waiter.spot !== undefined) waiter.spot.leave = undefined;
    for (const signal of waiter.signals) {
      const watched = this.#watched.get(signal);
      if (watched === undefined) continue;
      watched.waiters.delete(waiter);
      if (watched.waiters.size === 0) {
        signal.removeEventListener('abort', watched.onAbort);
        this.#watched.delete(signal);
      }
    }
  }

  #release(): void {
    const next = this.#next();
    if (next === undefined) {
      this.#active -= 1;
      return;
    }
    this.#leave(next);
    next.go(); // the turn passes straight on: #active stays the same
  }

  /** The first waiter still in line, with those that left before it dropped from the queue. */
  #next(): Waiter | undefined {
    while (this.#head < this.#queue.length) {
      const waiter = this.#queue[this.#head] as Waiter;
      this.#head += 1;
      if (!waiter.gone) {
        this.#compact();
        return waiter;
      }
    }
    this.#queue = [];
    this.#head = 0;
    return undefined;
  }

  #compact(): void {
    if (this.#head < COMPACT_AFTER || this.#head * 2 < this.#queue.length) return;
    this.#queue = this.#queue.slice(this.#head);
    this.#head = 0;
  }
}
