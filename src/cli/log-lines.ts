import type { LogRead } from '../api/logs-media.js';
import { StreamLines } from './stream-lines.js';

export type { LogRead };

/** The stream a piece of a container's output went to. */
export type LogStream = 'stdout' | 'stderr';

/** Where followed output goes: its bytes with their stream (stdout when not said), and the notes between containers. */
export interface LogSink {
  write(chunk: Buffer, stream?: LogStream): void;
  note(line: string): void;
}

/** The time the engine puts before a line asked for with timestamps: RFC 3339, UTC, up to nanoseconds. */
const STAMP = /^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]{1,9}))?Z$/;
/** The longest such time, with its nine digits. */
const STAMP_MAX = 30;
const SPACE = 0x20;

/** A line's time as a key that sorts as the times do (nine digits always); undefined for a line without one. */
function stampOf(line: Buffer): { key: string; end: number } | undefined {
  const end = line.indexOf(SPACE);
  if (end < 0 || end > STAMP_MAX) return undefined;
  const m = STAMP.exec(line.toString('latin1', 0, end));
  return m === null ? undefined : { key: `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}`, end };
}

/**
 * One container's followed output, read with the engine's time before each line (asked for even
 * when the user did not, and taken off again then), so that a stream cut off (a manager stopped,
 * the leader changed) is asked for again from the last line shown and none is shown twice: the
 * engine's `since` counts whole seconds, so the lines it gives again up to the last one shown (by
 * time, then by how many were shown at that very time) are left out. A line without a time (a
 * manager that gives none) is shown as it comes.
 */
export class LogLines {
  /** The latest time shown, and how many lines were shown at it. */
  #last: string | undefined;
  #atLast = 0;
  /** A stream asked for again: its lines up to the last one shown are left out. */
  #replay = false;
  #skip = 0;
  /** Each stream's lines: the engine times each stream's lines apart. */
  readonly #lines = new StreamLines((line, stream) => this.#line(line, stream));
  #timed = 0;

  constructor(
    private readonly sink: Pick<LogSink, 'write'>,
    /** The user asked for the times (`-t`): they stay. */
    private readonly timestamps: boolean,
  ) {}

  /**
   * How many lines with a time were shown so far: what a cut's progress is measured by (a line
   * without one may be given again each time the stream is asked for again).
   */
  get timed(): number {
    return this.#timed;
  }

  /**
   * What to ask the manager for: `first` with times, and once something was shown, from the
   * second of the last line shown. Asked again with nothing shown: whole, or under `--tail 0`
   * from when the first stream opened (`openedAt`, by this machine's clock).
   */
  ask(first: LogRead, openedAt: number): LogRead {
    if (this.#last === undefined) {
      if (!this.#replay) return { ...first, timestamps: true };
      // nothing shown: the container had written nothing when the first stream opened, or
      // --tail 0 left out what it had
      const { tail, ...rest } = first;
      if (tail !== 0) return { ...rest, timestamps: true };
      return { ...rest, since: Math.max(rest.since ?? 0, Math.floor(openedAt / 1000)), timestamps: true };
    }
    return { since: Math.floor(Date.parse(`${this.#last.slice(0, 19)}Z`) / 1000), timestamps: true };
  }

  /**
   * The stream is asked for again: what it gives up to the last line shown is left out, and a
   * line cut off at its end is dropped (it comes again whole).
   */
  again(): void {
    this.#replay = true;
    this.#skip = this.#atLast;
    this.#lines.drop();
  }

  write(chunk: Buffer, stream: LogStream = 'stdout'): void {
    this.#lines.write(chunk, stream);
  }

  /** The container ended: a last line without its newline is shown, stdout's first. */
  end(): void {
    this.#lines.end();
  }

  #line(line: Buffer, stream: LogStream): void {
    const stamp = stampOf(line);
    if (stamp === undefined) return void this.sink.write(line, stream);
    const last = this.#last;
    if (this.#replay && last !== undefined) {
      if (stamp.key < last) return;
      if (stamp.key === last && this.#skip > 0) {
        this.#skip -= 1;
        return;
      }
    }
    this.#replay = false;
    if (last === undefined || stamp.key > last) {
      this.#last = stamp.key;
      this.#atLast = 1;
    } else if (stamp.key === last) this.#atLast += 1;
    // a line earlier than the last (stdout and stderr are timed apart) is shown, the last stays
    this.#timed += 1;
    this.sink.write(this.timestamps ? line : line.subarray(stamp.end + 1), stream);
  }
}
