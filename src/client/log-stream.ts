import type { Readable } from 'node:stream';
import type { LogLine } from '../api/index.js';
import { LOGS_NDJSON } from '../api/logs-media.js';
import { PoseidonError } from '../errors/index.js';
import { typedLines } from './typed-lines.js';

// `GET /tasks/{id}/logs`'s answer as pieces, each with the stream the container wrote it to: one
// per NDJSON line when the server kept the streams apart (application/x-ndjson), or the text as
// it comes, all stdout, from a server older than that (text/plain), as it was shown before.

/** A piece of a container's output, with the stream it went to. */
export interface LogPiece {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

export class BadLogLine extends PoseidonError {
  constructor(line: string) {
    super('bad_answer', `the log stream has a line that is neither stdout nor stderr: ${line.slice(0, 120)}`);
  }
}

/** The pieces of an answer of type `type`; an error of the body (cut off, aborted) is thrown. */
export async function* logPieces(body: Readable, type: string): AsyncGenerator<LogPiece, void, undefined> {
  if (!type.toLowerCase().startsWith(LOGS_NDJSON)) {
    for await (const chunk of body as AsyncIterable<Buffer | string>)
      yield { stream: 'stdout', data: typeof chunk === 'string' ? Buffer.from(chunk) : chunk };
    return;
  }
  // no signal: the call's own ends the body, which throws here as a cut text stream does
  for await (const line of typedLines(body, undefined, isLogLine, (l) => new BadLogLine(l))) {
    if ('stdout' in line) yield { stream: 'stdout', data: Buffer.from(line.stdout) };
    else yield { stream: 'stderr', data: Buffer.from(line.stderr) };
  }
}

function isLogLine(value: unknown): value is LogLine {
  if (typeof value !== 'object' || value === null) return false;
  const l = value as Record<string, unknown>;
  return typeof l['stdout'] === 'string' || typeof l['stderr'] === 'string';
}
