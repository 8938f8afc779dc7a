import type { Readable } from 'node:stream';
import type { ClusterEvent } from '../api/index.js';
import { PoseidonError } from '../errors/index.js';
import { readLines } from '../ndjson/index.js';

// The manager's event stream (`GET /events`), one NDJSON line per event, as typed events. A line
// that is not an event ends the iteration with an error rather than pass on half a message.

export class BadEventLine extends PoseidonError {
  constructor(line: string) {
    super('bad_answer', `the event stream sent a line that is not an event: ${line.slice(0, 120)}`);
  }
}

/** Each event of `body` until it ends or `signal` aborts; leaving the loop early closes the stream. */
export async function* clusterEvents(
  body: Readable,
  signal: AbortSignal | undefined,
): AsyncGenerator<ClusterEvent, void, undefined> {
  try {
    for await (const line of readLines(body, signal)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new BadEventLine(line);
      }
      if (!isEvent(parsed)) throw new BadEventLine(line);
      yield parsed;
    }
  } finally {
    body.destroy(); // a `break` in the caller's loop ends the subscription too
  }
}

function isEvent(value: unknown): value is ClusterEvent {
  const e = value as { time?: unknown; type?: unknown };
  return typeof e === 'object' && e !== null && typeof e.time === 'string' && typeof e.type === 'string';
}
