import type { Readable } from 'node:stream';
import type { EndpointsMessage } from '../api/index.js';
import { PoseidonError } from '../errors/index.js';
import { typedLines } from './typed-lines.js';

// The manager's endpoint stream (`GET /endpoints/watch`), one NDJSON line per message. A line
// that is not a message ends the stream with an error: the follower reconnects and takes the
// next snapshot, rather than carry on with a table it may have missed a change of.

const TYPES = new Set(['snapshot', 'service', 'removed', 'ping']);

export class BadEndpointsLine extends PoseidonError {
  constructor(line: string) {
    super('bad_answer', `the endpoint stream sent a line that is not a message: ${line.slice(0, 120)}`);
  }
}

export function endpointsMessages(
  body: Readable,
  signal: AbortSignal | undefined,
): AsyncGenerator<EndpointsMessage, void, undefined> {
  return typedLines(body, signal, isMessage, (line) => new BadEndpointsLine(line));
}

function isMessage(value: unknown): value is EndpointsMessage {
  const m = value as { type?: unknown; epoch?: unknown; revision?: unknown; services?: unknown; service?: unknown };
  if (typeof m !== 'object' || m === null || typeof m.type !== 'string' || !TYPES.has(m.type)) return false;
  if (typeof m.epoch !== 'string' || typeof m.revision !== 'number') return false;
  if (m.type === 'snapshot') return Array.isArray(m.services);
  if (m.type === 'service') return typeof m.service === 'object' && m.service !== null;
  if (m.type === 'removed') return typeof m.service === 'string';
  return true;
}
