import type { Readable } from 'node:stream';
import type { ExecLine } from '../api/index.js';
import { PoseidonError } from '../errors/index.js';
import { typedLines } from './typed-lines.js';

// `POST /tasks/{id}/exec`'s answer, one NDJSON line per piece of output and one for the exit
// code, as typed lines. A line that is none of them ends the iteration with an error.

export class BadExecLine extends PoseidonError {
  constructor(line: string) {
    super('bad_answer', `exec's answer has a line that is neither output nor an exit code: ${line.slice(0, 120)}`);
  }
}

/** Each line of `body` until it ends or `signal` aborts; leaving the loop early closes the stream. */
export function execOutput(body: Readable, signal: AbortSignal | undefined): AsyncGenerator<ExecLine, void, undefined> {
  return typedLines(body, signal, isExecLine, (line) => new BadExecLine(line));
}

function isExecLine(value: unknown): value is ExecLine {
  if (typeof value !== 'object' || value === null) return false;
  const l = value as Record<string, unknown>;
  return (
    (typeof l['session'] === 'string' && typeof l['taskId'] === 'string') ||
    l['detached'] === true ||
    typeof l['stdout'] === 'string' ||
    typeof l['stderr'] === 'string' ||
    Number.isInteger(l['exitCode']) ||
    typeof l['error'] === 'string'
  );
}
