import type { LogPiece } from '../client/index.js';

type LogStream = LogPiece['stream'];

const NEWLINE = 0x0a;

/**
 * A container's output, given a piece at a time, cut into lines as bytes, each stream apart (a
 * line of one stream may come in pieces between two of the other's): each line goes to `line`
 * with its newline, as soon as it ends; `end()` gives a last line of each that had none, stdout's first.
 */
export class StreamLines {
  #partial: Record<LogStream, Buffer[]> = { stdout: [], stderr: [] };

  constructor(private readonly line: (line: Buffer, stream: LogStream) => void) {}

  write(chunk: Buffer, stream: LogStream): void {
    const partial = this.#partial[stream];
    let from = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, from)) {
      const piece = chunk.subarray(from, nl + 1);
      this.line(partial.length === 0 ? piece : Buffer.concat([...partial.splice(0), piece]), stream);
      from = nl + 1;
    }
    if (from < chunk.length) partial.push(chunk.subarray(from));
  }

  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const partial = this.#partial[stream].splice(0);
      if (partial.length > 0) this.line(Buffer.concat(partial), stream);
    }
  }

  /** What waits for its newline is dropped (a stream asked for again gives it again whole). */
  drop(): void {
    this.#partial = { stdout: [], stderr: [] };
  }
}
