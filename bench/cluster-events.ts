import { readLines } from '../src/ndjson/index.js';
import { BenchError } from './bench-error.js';
import { wallClockMs } from './docker-events.js';

/** The fields of a manager event (`GET /events`) the benchmarks read. */
export interface ClusterEventView {
  type: string;
  time: string;
  taskId?: string;
  node?: string;
  state?: string;
  reason?: string;
}

export interface ReceivedClusterEvent {
  event: ClusterEventView;
  /** When the bench read its line, wall-clock ms (sub-ms), comparable with engine event times. */
  receivedAtMs: number;
}

/** An expected manager event did not come in time. */
export class ClusterEventNeverCame extends BenchError {}

interface Waiter {
  match: (e: ClusterEventView) => boolean;
  resolve: (e: ReceivedClusterEvent) => void;
  reject: (reason: unknown) => void;
}

/**
 * Follows a manager's `GET /events` (NDJSON) for the whole benchmark and hands out events by
 * predicate. An event is timed when its line arrives: no polling interval in the measurement.
 */
export class ManagerEventLog {
  readonly #events: ReceivedClusterEvent[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #abort = new AbortController();
  #reading: Promise<void> | undefined;
  #signal: AbortSignal | undefined;
  #unlisten: (() => void) | undefined;

  private constructor(readonly managerUrl: string) {}

  /**
   * Resolves once the manager answered with the stream's headers: later events are not missed.
   * `signal` (the run's) fails every wait at once when it aborts.
   */
  static async follow(managerUrl: string, signal: AbortSignal): Promise<ManagerEventLog> {
    const log = new ManagerEventLog(managerUrl);
    const reading = AbortSignal.any([log.#abort.signal, signal]);
    const res = await fetch(new URL('/events', managerUrl), { signal: reading });
    if (!res.ok || res.body === null) throw new BenchError(`GET ${managerUrl}/events answered ${res.status}`);
    log.#reading = log.#read(res.body, reading);
    log.#signal = signal;
    // one listener for all waits (a burst has fifty at once)
    const onAbort = (): void => {
      for (const w of [...log.#waiters]) w.reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    log.#unlisten = () => signal.removeEventListener('abort', onAbort);
    return log;
  }

  get events(): readonly ReceivedClusterEvent[] {
    return this.#events;
  }

  /** The first event, already received or still to come, that `match` accepts; fails with `what` after `timeoutMs`. */
  waitFor(match: (e: ClusterEventView) => boolean, what: string, timeoutMs: number): Promise<ReceivedClusterEvent> {
    const seen = this.#events.find((r) => match(r.event));
    if (seen !== undefined) return Promise.resolve(seen);
    this.#signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => waiter.reject(new ClusterEventNeverCame(`no manager event for ${what} within ${timeoutMs} ms`)), timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (e) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(e);
        },
        reject: (reason) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          reject(reason);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  async close(): Promise<void> {
    this.#unlisten?.();
    this.#abort.abort();
    await this.#reading;
  }

  async #read(body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<void> {
    try {
      for await (const line of readLines(body, signal)) this.#record(line);
    } catch {
      // the manager went away (close() ends the lines quietly): the waiters time out and say what they missed
    }
  }

  #record(line: string): void {
    const receivedAtMs = wallClockMs();
    const parsed = JSON.parse(line) as Partial<ClusterEventView>;
    if (typeof parsed.type !== 'string' || typeof parsed.time !== 'string') return;
    const r: ReceivedClusterEvent = { event: parsed as ClusterEventView, receivedAtMs };
    this.#events.push(r);
    for (const w of [...this.#waiters]) if (w.match(r.event)) w.resolve(r);
  }
}
