import type { LogPart } from './log-parts.js';

// A task's output asked for again after a cut (the manager restarted, the network broke): the
// engine's `since` counts whole seconds here (the API takes no fraction, nor does a worker older
// than this), so the stream asked for again gives the lines of that second again. Each line is
// read with the engine's time before it (RFC 3339, nanoseconds) and what comes again up to the
// last line shown is left out, each stream apart: the engine times stdout and stderr apart, so a
// stderr line timed before the last stdout line shown may not have reached the page at the cut.

/** The time the engine puts before a line asked for with timestamps, and the space after it. */
const STAMP = /^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]{1,9}))?Z /;

type Stream = 'stdout' | 'stderr';

/** A time as a key that sorts as the times do: nine digits always. */
export function stampKey(text: string): { key: string; length: number } | undefined {
  const m = STAMP.exec(text);
  if (m === null) return undefined;
  return { key: `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}`, length: m[0].length };
}

/** What a stream showed last: its time, and how many pieces were shown at that very time. */
interface Shown {
  key: string;
  count: number;
}

/**
 * One container's followed output, each piece (an engine's frame: a line, or part of one longer
 * than 16 KiB, with its time) given as it comes: its text without the time, or nothing when it was
 * shown before the stream was asked for again.
 */
export class LogResume {
  readonly #shown: Partial<Record<Stream, Shown>> = {};
  /** Per stream, while it is given again: how many pieces at its last time are still to be left out. */
  readonly #replay: Partial<Record<Stream, number>> = {};

  /** The latest time shown, as the resume note says it (HH:MM:SS.mmm UTC); undefined with nothing shown. */
  get lastShown(): string | undefined {
    const keys = Object.values(this.#shown).map((s) => s.key);
    if (keys.length === 0) return undefined;
    return `${keys.sort().at(-1)?.slice(11, 23) ?? ''} UTC`;
  }

  /**
   * Where to ask again from, in whole seconds since 1970: the second of the earliest of each
   * stream's last line shown (what the other stream wrote after it may not have come yet);
   * undefined with nothing shown, to be asked as the first time.
   */
  sinceS(): number | undefined {
    const keys = Object.values(this.#shown).map((s) => s.key);
    if (keys.length === 0) return undefined;
    const earliest = keys.sort()[0] ?? '';
    return Math.floor(Date.parse(`${earliest.slice(0, 19)}Z`) / 1000);
  }

  /** The stream is asked for again: what it gives up to each stream's last piece shown is left out. */
  again(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const shown = this.#shown[stream];
      if (shown !== undefined) this.#replay[stream] = shown.count;
    }
  }

  /** A piece as it came: to be shown without its time, or undefined when it was shown already. */
  take(part: LogPart): LogPart | undefined {
    if (part.stream === 'note') return part;
    const stamp = stampKey(part.text);
    if (stamp === undefined) return part; // a manager that gives no time: shown as it comes
    const text = part.text.slice(stamp.length);
    const stream = part.stream;
    const shown = this.#shown[stream];
    const skip = this.#replay[stream];
    if (skip !== undefined && shown !== undefined) {
      if (stamp.key < shown.key) return undefined;
      if (stamp.key === shown.key && skip > 0) {
        this.#replay[stream] = skip - 1;
        return undefined;
      }
      delete this.#replay[stream];
    }
    if (shown === undefined || stamp.key > shown.key) this.#shown[stream] = { key: stamp.key, count: 1 };
    else if (stamp.key === shown.key) shown.count += 1;
    return { stream, text };
  }
}
