import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';

/** When the engine says a container was created and started, in wall-clock ms (its timeNano). */
export interface EngineTimes {
  createdAtMs: number;
  startedAtMs: number;
}

interface EventMessage {
  Action?: string;
  id?: string;
  timeNano?: number;
}

/**
 * Wall-clock ms with sub-ms resolution, comparable with the engine's event times: both read
 * the same host clock. (Date.now() has 1 ms steps, too coarse for a phase of a few ms.)
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Follows the engine's `create` and `start` events for containers carrying `label`, so a
 * bench can split a measured start into phases with the engine's own timestamps. Reading
 * them costs the engine the same for both sides of a comparison.
 */
export class EngineEventLog {
  readonly #times = new Map<string, Partial<EngineTimes>>();
  readonly #abort = new AbortController();
  #stream: (NodeJS.ReadableStream & { destroy(): void }) | undefined;

  private constructor() {}

  static async follow(docker: Docker, label: string): Promise<EngineEventLog> {
    const log = new EngineEventLog();
    const stream = (await docker.getEvents({
      filters: { type: ['container'], label: [label], event: ['create', 'start'] },
      abortSignal: log.#abort.signal,
    })) as NodeJS.ReadableStream & { destroy(): void };
    log.#stream = stream;
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line !== '') log.#record(JSON.parse(line) as EventMessage);
      }
    });
    stream.on('error', () => undefined); // a closed stream after close(): nothing to report
    return log;
  }

  /** The container's create and start times, waiting up to `timeoutMs` for the events; null if they never came. */
  async timesOf(containerId: string, timeoutMs = 2_000): Promise<EngineTimes | null> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const t = this.#times.get(containerId);
      if (t?.createdAtMs !== undefined && t.startedAtMs !== undefined) return { createdAtMs: t.createdAtMs, startedAtMs: t.startedAtMs };
      if (performance.now() > deadline) return null;
      await sleep(10); // only between timed sections: events trail the API answers by a few ms
    }
  }

  close(): void {
    this.#abort.abort();
    this.#stream?.destroy();
  }

  #record(e: EventMessage): void {
    if (e.id === undefined || e.timeNano === undefined) return;
    const t = this.#times.get(e.id) ?? {};
    if (e.Action === 'create') t.createdAtMs = e.timeNano / 1e6;
    else if (e.Action === 'start') t.startedAtMs = e.timeNano / 1e6;
    this.#times.set(e.id, t);
  }
}
