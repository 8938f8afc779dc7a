import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { readLines } from '../src/ndjson/index.js';
import { BenchError } from './bench-error.js';
import { wallClockMs } from './docker-events.js';
import { ReceivedEvents } from './received-events.js';

/** One container event as the engine stamped it. */
export interface ContainerEventRecord {
  /** create, start, die, kill, stop, destroy... */
  action: string;
  containerId: string;
  /** The engine's own time for it (timeNano), wall-clock ms on the host clock. */
  atMs: number;
  /** When the bench read it, wall-clock ms (same clock; trails `atMs` by about a millisecond). */
  receivedAtMs: number;
  /** The container's labels, name, image, and `exitCode` for die. */
  attributes: Readonly<Record<string, string>>;
}

interface EventMessage {
  Type?: string;
  Action?: string;
  id?: string;
  timeNano?: number;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/** An expected event did not come in time. */
export class EventNeverCame extends BenchError {}

/**
 * Every container event for containers carrying `label`, kept in order with the engine's
 * timestamps, and waited for by predicate. Used to time what the engine did (a die, the next
 * start, a destroy) the same way for Poseidon, the docker CLI and Swarm.
 */
export class ContainerEventLog {
  readonly #received = new ReceivedEvents<ContainerEventRecord>(
    (what, timeoutMs) => new EventNeverCame(`no engine event for ${what} within ${timeoutMs} ms`),
  );
  readonly #abort = new AbortController();
  #reading: Promise<void> | undefined;

  private constructor() {}

  /** `signal` (the run's) fails every wait at once when it aborts. */
  static async follow(docker: Docker, label: string, signal: AbortSignal): Promise<ContainerEventLog> {
    const log = new ContainerEventLog();
    const stream = (await docker.getEvents({
      filters: { type: ['container'], label: [label] },
      abortSignal: log.#abort.signal,
    })) as Readable;
    log.#reading = log.#read(stream);
    log.#received.failWaitsOnAbort(signal);
    return log;
  }

  /** Events seen so far, oldest first. */
  get events(): readonly ContainerEventRecord[] {
    return this.#received.all;
  }

  /** The first event, already seen or still to come, that `match` accepts; fails with `what` after `timeoutMs`. */
  waitFor(match: (e: ContainerEventRecord) => boolean, what: string, timeoutMs: number): Promise<ContainerEventRecord> {
    return this.#received.waitFor(match, what, timeoutMs);
  }

  /** The `n`-th event (1-based, counting those already seen) that `match` accepts. */
  waitForNth(
    match: (e: ContainerEventRecord) => boolean,
    n: number,
    what: string,
    timeoutMs: number,
  ): Promise<ContainerEventRecord> {
    let count = 0;
    return this.waitFor((e) => match(e) && ++count === n, what, timeoutMs);
  }

  async close(): Promise<void> {
    this.#received.close();
    this.#abort.abort();
    await this.#reading;
  }

  async #read(stream: Readable): Promise<void> {
    try {
      for await (const line of readLines(stream, this.#abort.signal)) this.#record(JSON.parse(line) as EventMessage);
    } catch {
      // the engine went away (close() ends the lines quietly): the waiters time out and say what they missed
    }
  }

  #record(m: EventMessage): void {
    const containerId = m.Actor?.ID ?? m.id;
    if (m.Action === undefined || containerId === undefined || m.timeNano === undefined) return;
    // "exec_start: sh -c ..." and the like: keep the verb only
    const action = m.Action.split(':')[0] ?? m.Action;
    this.#received.add({
      action,
      containerId,
      atMs: m.timeNano / 1e6,
      receivedAtMs: wallClockMs(),
      attributes: m.Actor?.Attributes ?? {},
    });
  }
}
