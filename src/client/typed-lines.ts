import type { Readable } from 'node:stream';
import { readLines } from '../ndjson/index.js';

/**
 * Each line of an NDJSON answer (events, endpoints, exec), parsed and checked by `isLine`, until
 * the stream ends or `signal` aborts. A line that is not JSON, or not one of these, ends the
 * iteration with `bad(line)` rather than pass on half a message; leaving the loop early (a
 * `break` in the caller's) closes the stream.
 */
export async function* typedLines<T>(
  body: Readable,
  signal: AbortSignal | undefined,
  isLine: (value: unknown) => value is T,
  bad: (line: string) => Error,
): AsyncGenerator<T, void, undefined> {
  try {
    for await (const line of readLines(body, signal)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw bad(line);
      }
      if (!isLine(parsed)) throw bad(line);
      yield parsed;
    }
  } finally {
    body.destroy();
  }
}
