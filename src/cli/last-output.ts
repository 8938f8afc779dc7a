import type { LogPiece, ManagerClient } from '../client/index.js';
import { STDIO, type Output } from './each-name.js';
import type { LogStream } from './log-lines.js';
import { StreamLines } from './stream-lines.js';
import { printable } from './terminal-text.js';

/** How many of its last lines a failed task's output shows under the line that says it failed. */
export const LAST_LINES = 10;

/** At most this much of the output is kept: a line longer than that is cut, its end kept. */
const MAX_BYTES = 16 * 1024;

/** A line of a container's output, safe to print, with the stream it went to. */
export interface OutputLine {
  stream: LogStream;
  text: string;
}

/**
 * The last lines a task printed, each with its stream (stdout or stderr; all stdout from a manager
 * that does not keep them apart), safe to print, for a wait that saw it fail: what `docker run`
 * would have shown. None when it printed nothing or they cannot be read (its container gone, its
 * node away): the failure's own line says enough then.
 */
export async function lastOutput(
  client: Pick<ManagerClient, 'logStreams'>,
  id: string,
  lines = LAST_LINES,
): Promise<OutputLine[]> {
  try {
    const kept = new LastLines(lines);
    for await (const piece of await client.logStreams(id, { follow: false, tail: lines })) kept.write(piece);
    return kept.end().map(({ stream, data }) => ({ stream, text: printable(data.toString('utf8')) }));
  } catch {
    return [];
  }
}

/**
 * The last `count` lines that are not blank of output given a piece at a time, each stream cut
 * into lines apart (a line of one stream may be written in pieces between two of the other's), and
 * no more than MAX_BYTES of them: a long output keeps its end. (A line without its end is held
 * whole until it comes; the engine cuts its log's lines at 16 KiB, and the read asks for `count`.)
 */
class LastLines {
  readonly #lines: Array<{ stream: LogStream; data: Buffer }> = [];
  readonly #split = new StreamLines((line, stream) => this.#add(stream, line));
  #size = 0;

  constructor(private readonly count: number) {}

  write({ stream, data }: LogPiece): void {
    this.#split.write(data, stream);
  }

  /** The lines kept, with a last line of each stream that had no newline. */
  end(): Array<{ stream: LogStream; data: Buffer }> {
    this.#split.end();
    const over = this.#size - MAX_BYTES;
    const first = this.#lines[0];
    if (over > 0 && first !== undefined) first.data = first.data.subarray(over); // the oldest line cut, its end kept
    return this.#lines;
  }

  #add(stream: LogStream, line: Buffer): void {
    let end = line.length;
    if (line[end - 1] === 0x0a) end -= 1;
    if (line[end - 1] === 0x0d) end -= 1; // a CRLF line ends as one with LF
    const data = line.subarray(0, end);
    if (data.toString('utf8').trim() === '') return;
    this.#lines.push({ stream, data });
    this.#size += data.length;
    // the oldest lines go while the rest still hold MAX_BYTES, or are as many as asked
    for (let oldest = this.#lines[0]; oldest !== undefined; oldest = this.#lines[0]) {
      const enough = this.#size - oldest.data.length >= MAX_BYTES || this.#lines.length > this.count;
      if (!enough || this.#lines.length === 1) break;
      this.#size -= oldest.data.length;
      this.#lines.shift();
    }
  }
}

/**
 * The lines under a failure, indented, with the command that prints the rest (none without any
 * lines): the heading goes to stderr, and each line to the stream the container wrote it to, as
 * `docker run` passes a container's stdout and stderr on. `whose` names the task when the line
 * above does not (a service's replica).
 */
export function outputBlock(id: string, lines: readonly OutputLine[], whose = 'its'): OutputLine[] {
  if (lines.length === 0) return [];
  const more = `poseidon logs ${id.slice(0, 8)}`;
  const heading = `poseidon: ${whose} last output (${more} for all of it):\n`;
  return [{ stream: 'stderr', text: heading }, ...lines.map((l) => ({ stream: l.stream, text: `  ${l.text}\n` }))];
}

/** Writes each of `block`'s lines to `io`'s stream of the same name, in order. */
export function writeBlock(block: readonly OutputLine[], io: Output = STDIO): void {
  for (const line of block) (line.stream === 'stderr' ? io.err : io.out)(line.text);
}
