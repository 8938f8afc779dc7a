import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { readLines } from '../../ndjson/index.js';
import type { EventLog } from './event-stream.js';

/** How long before the watch tries again after the engine's stream broke, or a restore failed. */
const RETRY_MS = 2_000;

/**
 * Keeps the Poseidon network while the worker runs. With task containers on Docker's default
 * bridge nothing is attached to it, so `docker network prune` (and `docker system prune`) removes
 * it, and with it the bridge's addresses: the gateway the tasks' DNS server listens on and the
 * services' virtual IPs. The watch follows the engine's network `destroy` events and calls
 * `restore` (make it again, put back what lived on it) when the network is removed, and each time
 * the stream is opened again (it may have gone while the watch was not following; the first
 * opening follows the worker's own start, which made sure of it). A failed restore is tried
 * again after RETRY_MS. Runs until the signal aborts.
 */
export async function watchNetwork(
  docker: Docker,
  name: string,
  restore: () => Promise<void>,
  signal: AbortSignal,
  log: EventLog,
): Promise<void> {
  let failing = false;
  let first = true;
  const attempt = async (): Promise<boolean> => {
    try {
      await restore();
      failing = false;
      return true;
    } catch (err) {
      if (signal.aborted) return false;
      if (!failing)
        log.warn({ network: name, err: String(err) }, 'could not make the Poseidon network again; retrying');
      failing = true;
      return false;
    }
  };
  while (!signal.aborted) {
    try {
      const stream = (await docker.getEvents({
        filters: { type: ['network'], event: ['destroy'] },
        abortSignal: signal,
      })) as Readable;
      const firstOpening = first;
      first = false;
      // the worker made sure of the network as it started: only a reconnect may have missed a removal
      if (firstOpening || (await attempt())) {
        for await (const line of readLines(stream, signal)) {
          if (!removes(line, name)) continue;
          log.warn({ network: name }, 'the Poseidon network was removed; making it again');
          if (!(await attempt())) break;
          log.info({ network: name }, 'the Poseidon network is back');
        }
      }
      stream.destroy();
    } catch {
      first = false;
      // the engine went away, or the stream broke: the container events' watch says so
    }
    try {
      await sleep(RETRY_MS, undefined, { signal });
    } catch {
      return; // aborted
    }
  }
}

/** Whether an event line says the network named `name` was removed. */
function removes(line: string, name: string): boolean {
  try {
    const m = JSON.parse(line) as { Action?: string; Actor?: { Attributes?: Record<string, string> } };
    return m.Action === 'destroy' && m.Actor?.Attributes?.['name'] === name;
  } catch {
    return false;
  }
}
