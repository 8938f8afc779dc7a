import { readLines } from '../src/ndjson/index.js';
import { BenchError } from './bench-error.js';
import { wallClockMs } from './docker-events.js';
import { ReceivedEvents } from './received-events.js';

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

/**
 * Follows a manager's `GET /events` (NDJSON) for the whole benchmark and hands out events by
 * predicate. An event is timed when its line arrives: no polling interval in the measurement.
 */
export class ManagerEventLog {
  readonly #received = new ReceivedEvents<ReceivedClusterEvent>(
    (what, timeoutMs) => new ClusterEventNeverCame(`no manager event for ${what} within ${timeoutMs} ms`),
  );
  readonly #abort = new AbortController();
  #reading: Promise<void> | undefined;

  private constructor(readonly managerUrl: string) {}

  /**
   * Resolves once the manager answered with the stream's headers: later events are not missed.
   * `signal` (the run's) fails every wait at once when it aborts.
   */
  static async follow(managerUrl: string, token: string, signal: AbortSignal): Promise<ManagerEventLog> {
    const log = new ManagerEventLog(managerUrl);
    const reading = AbortSignal.any([log.#abort.signal, signal]);
    const res = await fetch(new URL('/events', managerUrl), {
      headers: { authorization: `Bearer ${token}` },
      signal: reading,
    });
    if (!res.ok || res.body === null) throw new BenchError(`GET ${managerUrl}/events answered ${res.status}`);
    log.#reading = log.#read(res.body, reading);
    log.#received.failWaitsOnAbort(signal);
    return log;
  }

  get events(): readonly ReceivedClusterEvent[] {
    return this.#received.all;
  }

  /** The first event, already received or still to come, that `match` accepts; fails with `what` after `timeoutMs`. */
  waitFor(match: (e: ClusterEventView) => boolean, what: string, timeoutMs: number): Promise<ReceivedClusterEvent> {
    return this.#received.waitFor((r) => match(r.event), what, timeoutMs);
  }

  async close(): Promise<void> {
    this.#received.close();
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
    this.#received.add({ event: parsed as ClusterEventView, receivedAtMs });
  }
}
