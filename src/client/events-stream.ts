import type { Readable } from 'node:stream';
import type { ClusterEvent } from '../api/index.js';
import { PoseidonError } from '../errors/index.js';
import { typedLines } from './typed-lines.js';

// The manager's event stream (`GET /events`), one NDJSON line per event, as typed events. A line
// that is not an event ends the iteration with an error rather than pass on half a message.

export class BadEventLine extends PoseidonError {
  constructor(line: string) {
    super('bad_answer', `the event stream sent a line that is not an event: ${line.slice(0, 120)}`);
  }
}

/** Each event of `body` until it ends or `signal` aborts; leaving the loop early closes the stream. */
export function clusterEvents(
  body: Readable,
  signal: AbortSignal | undefined,
): AsyncGenerator<ClusterEvent, void, undefined> {
  return typedLines(body, signal, isEvent, (line) => new BadEventLine(line));
}

function isEvent(value: unknown): value is ClusterEvent {
  const e = value as { time?: unknown; type?: unknown };
  return typeof e === 'object' && e !== null && typeof e.time === 'string' && typeof e.type === 'string';
}

/** From when and until when `GET /events` goes: a Date, or a time as the API takes it (RFC 3339). */
export interface EventsWindow {
  since?: Date | string;
  until?: Date | string;
}

/** A window's time as the query takes it. */
export function eventTime(t: Date | string): string {
  return typeof t === 'string' ? t : t.toISOString();
}
