import { LOGS_NDJSON } from '../api/logs-media.js';

// A task's output as the console shows it: runs of text, each on the stream the container wrote
// it to, so stderr's can be marked. A manager older than the streams apart answers text: stdout.

/** A run of output on one stream; `note`: the console's own line between two containers' output. */
export interface LogPart {
  stream: 'stdout' | 'stderr' | 'note';
  text: string;
}

/** What the console asks a log read for: each stream apart, or (an older manager) text. */
export const LOGS_ACCEPT = `${LOGS_NDJSON}, text/plain;q=0.5`;

/** Lines of a task's first container the page asks for; a container after it is read whole. */
export const FIRST_TAIL = 200;

/**
 * Where the page follows a task's output, each line after the engine's time (taken off again, see
 * log-resume.ts): its first container from its last FIRST_TAIL lines, each container after a
 * restart from its first line (as `poseidon logs -f` follows restarts), and a stream cut off while
 * its container runs from the second of the last line shown (`sinceS`, whole seconds since 1970).
 * A task that ended for good is read, not followed (`follow` false): there is nothing to wait for.
 */
export function logsPath(taskId: string, first: boolean, sinceS?: number, follow = true): string {
  const from = sinceS !== undefined ? `&since=${Math.floor(sinceS)}` : first ? `&tail=${FIRST_TAIL}` : '';
  return `/tasks/${encodeURIComponent(taskId)}/logs?follow=${String(follow)}&timestamps=true${from}`;
}

/** The line the page puts between one container's output and the next's, on a line of its own. */
export function addRestartNote(parts: readonly LogPart[], restarts: number, max: number): LogPart[] {
  return addNote(parts, `--- restarted (restart ${restarts}): a new container ---`, max);
}

/**
 * The line the page puts where a stream was cut off and asked for again: after the last line
 * shown (`lastShown`, its time as the engine gave it), or from the start when none was.
 */
export function addResumeNote(parts: readonly LogPart[], lastShown: string | undefined, max: number): LogPart[] {
  const from = lastShown === undefined ? '' : ` after the last line shown (${lastShown})`;
  return addNote(parts, `--- the stream was cut off; followed again${from} ---`, max);
}

/** The console's own line after the parts, on a line of its own. */
function addNote(parts: readonly LogPart[], line: string, max: number): LogPart[] {
  const open = parts.length > 0 && !(parts.at(-1)?.text.endsWith('\n') ?? true);
  return addPart(parts, 'note', `${open ? '\n' : ''}${line}\n`, max);
}

/** `text` after the parts: joined to the last one on its stream; the oldest dropped past `max` characters. */
export function addPart(parts: readonly LogPart[], stream: LogPart['stream'], text: string, max: number): LogPart[] {
  const last = parts.at(-1);
  const joined = last?.stream === stream ? { stream, text: last.text + text } : undefined;
  const next = joined === undefined ? [...parts, { stream, text }] : [...parts.slice(0, -1), joined];
  let over = next.reduce((n, p) => n + p.text.length, 0) - max;
  while (over > 0 && next.length > 0) {
    const first = next[0] as LogPart;
    if (first.text.length <= over) {
      over -= first.text.length;
      next.shift();
    } else {
      next[0] = { stream: first.stream, text: first.text.slice(over) };
      over = 0;
    }
  }
  return next;
}

/**
 * The answer's text as it comes, to pieces of its streams: one per NDJSON line (`framed`: one
 * engine frame, a line cut between two chunks held back until its end), or (a worker older than
 * the streams apart answers text) a line at a time as stdout, each line's time at its start.
 */
export class LogReader {
  #held = '';

  constructor(private readonly framed: boolean) {}

  static forType(type: string | null): LogReader {
    return new LogReader(type?.toLowerCase().startsWith(LOGS_NDJSON) === true);
  }

  pieces(chunk: string): LogPart[] {
    const lines = (this.#held + chunk).split('\n');
    this.#held = lines.pop() ?? '';
    if (!this.framed) return lines.map((l) => ({ stream: 'stdout', text: `${l}\n` }));
    return lines.filter((l) => l.trim() !== '').map(partOf);
  }

  /** The answer ended: the text of a last line without its newline (not of a framed answer: a cut one's is dropped). */
  end(): LogPart[] {
    const held = this.#held;
    this.#held = '';
    return this.framed || held === '' ? [] : [{ stream: 'stdout', text: held }];
  }
}

function partOf(line: string): LogPart {
  const l = JSON.parse(line) as { stdout?: unknown; stderr?: unknown };
  if (typeof l.stdout === 'string') return { stream: 'stdout', text: l.stdout };
  if (typeof l.stderr === 'string') return { stream: 'stderr', text: l.stderr };
  throw new Error(`the log stream has a line that is neither stdout nor stderr: ${line.slice(0, 120)}`);
}
