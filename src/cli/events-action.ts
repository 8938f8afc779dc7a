import type { Readable } from 'node:stream';
import { CLUSTER_EVENT_TYPES } from '../api/event-types.js';
import type { ManagerClient } from '../client/index.js';
import { InvalidField } from '../errors/index.js';
import { readLines } from '../ndjson/index.js';
import { STDIO, type Output } from './each-name.js';
import { filterPairs } from './filter-flag.js';
import { timeFlagMs } from './flags.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { Cut, PATIENCE } from './stream-again.js';
import { managerAway, StreamEnded, streamError } from './stream-end.js';
import { printable, printableJson } from './terminal-text.js';

export interface EventsFlags extends ClientFlags {
  json?: boolean;
  /** Filters, as `docker events --filter` takes them: a flag repeated is any of its values, two flags are both. */
  task?: string[];
  node?: string[];
  service?: string[];
  type?: string[];
  /** `--filter KEY=VALUE`, docker events' spelling of the four above (filterFlags). */
  filter?: string[];
  /** From when: the events the manager kept since then come first (`docker events --since`). */
  since?: string;
  /** Until when: the command ends then (at once, after the kept ones, for a time past). */
  until?: string;
}

/** What `--type` takes besides a whole type: the part before its dot. */
const EVENT_KINDS = ['task', 'node', 'service', 'update', 'job', 'secret', 'config'];

/** An id prefix `--task` matches: at least four hex digits (a name of four is matched by name too). */
const ID_PREFIX = /^[0-9a-f][0-9a-f-]{3,}$/;

/** docker events' `--filter` keys, and the flag each is (`container` is a task here). */
const FILTER_KEYS: Readonly<Record<string, 'task' | 'node' | 'service' | 'type'>> = {
  task: 'task',
  container: 'task',
  node: 'node',
  service: 'service',
  type: 'type',
};

/**
 * The flags with each `--filter KEY=VALUE` (as `docker events --filter` takes them) added to the
 * flag it stands for: `--filter type=task` is `--type task`. A key it has no flag for is refused.
 */
export function filterFlags<T extends Pick<EventsFlags, 'task' | 'node' | 'service' | 'type' | 'filter'>>(flags: T): T {
  const out: T = { ...flags };
  const takes = 'task=NAME, node=NAME, service=NAME or type=TYPE (or --task, --node, --service, --type)';
  for (const [given, value] of filterPairs(flags.filter, Object.keys(FILTER_KEYS), takes)) {
    const key = FILTER_KEYS[given] as 'task' | 'node' | 'service' | 'type';
    out[key] = [...(out[key] ?? []), value];
  }
  return out;
}

/**
 * The events the flags keep; a --type that is no event type or kind is refused here, before the
 * stream is opened, naming what it takes.
 */
export function eventFilter(flags: Pick<EventsFlags, 'task' | 'node' | 'service' | 'type'>): (e: EventLine) => boolean {
  const types = (flags.type ?? []).map((t) => {
    if (EVENT_KINDS.includes(t)) return (e: EventLine) => e.type.startsWith(`${t}.`);
    if ((CLUSTER_EVENT_TYPES as readonly string[]).includes(t)) return (e: EventLine) => e.type === t;
    throw new InvalidField(
      '--type',
      `is "${t}", no event type; use a kind (${EVENT_KINDS.join(', ')}) or a type: ${CLUSTER_EVENT_TYPES.join(', ')}`,
    );
  });
  const tests: Array<(e: EventLine) => boolean> = [];
  if (types.length > 0) tests.push((e) => types.some((matches) => matches(e)));
  const { task, node, service } = flags;
  if (task !== undefined)
    tests.push((e) =>
      task.some((t) => e.taskName === t || e.taskId === t || (ID_PREFIX.test(t) && e.taskId?.startsWith(t) === true)),
    );
  if (node !== undefined) tests.push((e) => e.node !== undefined && node.includes(e.node));
  if (service !== undefined) tests.push((e) => e.service !== undefined && service.includes(e.service));
  return (e) => tests.every((passes) => passes(e));
}

export interface EventLine {
  time: string;
  type: string;
  taskId?: string;
  taskName?: string;
  node?: string;
  state?: string;
  reason?: string;
  service?: string;
  version?: number;
  replicas?: number;
  fromVersion?: number;
  toVersion?: number;
  updated?: number;
  total?: number;
  completed?: number;
  failed?: number;
  file?: string;
  note?: string;
}

/**
 * The type column's width: the longest type the manager sends (update.rolled_back), so subjects
 * line up whatever the type; the lines are printed as they come, so the width cannot be measured.
 */
export const TYPE_WIDTH = Math.max(...CLUSTER_EVENT_TYPES.map((t) => t.length));

/** `time  type  subject: what`, the subject a task, a node or a service. */
export function describe(e: EventLine): string {
  // a type longer than the column (a newer manager's) still has a space after it
  const head = `${e.time.slice(11, 23)}  ${e.type.padEnd(TYPE_WIDTH)} `;
  if (e.taskId === undefined && e.service !== undefined) return printable(`${head}${ofService(e)}`);
  if (e.file !== undefined) return printable(`${head}${e.file}`);
  const subject = e.taskId !== undefined ? `${e.taskName ?? ''} (${e.taskId.slice(0, 8)})` : (e.node ?? '');
  const where = e.taskId !== undefined && e.node !== undefined ? ` on ${e.node}` : '';
  // an empty reason (a check that said nothing, as the engine's healthy does) adds no `: `
  const why = e.reason !== undefined && e.reason !== '' ? `: ${e.reason}` : '';
  return printable(`${head}${subject}${where}${why}`);
}

/**
 * A service event: the service, its replicas, the rollout's versions and progress, or a job's run
 * (its version, the tasks it wants done, how many completed and failed), and why.
 */
function ofService(e: EventLine): string {
  const parts: string[] = [];
  if (e.type.startsWith('job.') && e.version !== undefined) parts.push(`version ${e.version}`);
  if (e.type === 'job.started' && e.total !== undefined) parts.push(`${e.total} to complete`);
  if ((e.type === 'job.completed' || e.type === 'job.failed') && e.completed !== undefined && e.total !== undefined)
    parts.push(`${e.completed}/${e.total} completed${(e.failed ?? 0) > 0 ? `, ${e.failed} failed` : ''}`);
  // a rollback that paused is an update.paused event too: its state says which
  if (e.type === 'update.paused' && e.state === 'rollback_paused') parts.push('rollback paused');
  if (e.type.startsWith('update.') && e.fromVersion !== undefined && e.toVersion !== undefined)
    parts.push(`version ${e.fromVersion} → ${e.toVersion}`);
  if (e.type === 'update.progress' && e.updated !== undefined && e.total !== undefined)
    parts.push(`${e.updated}/${e.total} updated`);
  if (e.type.startsWith('service.') && e.replicas !== undefined)
    parts.push(`${e.replicas} replica${e.replicas === 1 ? '' : 's'}`);
  if (e.type === 'service.created' && e.version !== undefined) parts.push(`version ${e.version}`);
  // a rollout's reason is the same on each of its progress lines: said when it starts and ends
  if (e.reason !== undefined && e.type !== 'update.progress') parts.push(e.reason);
  // what a step did other than as the order says (a slot stop-first for want of room): said once, here
  if (e.note !== undefined) parts.push(e.note);
  return parts.length === 0 ? (e.service ?? '') : `${e.service ?? ''}: ${parts.join('; ')}`;
}

/** The event a line holds; undefined for a line that is no event (shown as it came, escaped). */
function eventOf(json: string): EventLine | undefined {
  try {
    const e = JSON.parse(json) as EventLine | null;
    return typeof e?.type === 'string' && typeof e.time === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}

/** A stream that ends this long before --until by the CLI's clock was ended by the manager (it stops). */
const UNTIL_SLACK_MS = 5_000;

/**
 * --since and --until as the times GET /events takes, refused here when they cannot be read, or
 * when --since is not before --until: no event is in that window (--until is the first time left
 * out), and printing nothing with exit 0 would say there were none.
 */
export function eventsWindow(
  flags: Pick<EventsFlags, 'since' | 'until'>,
  now = Date.now(),
): { since?: string; until?: string } {
  const at = (flag: string, value: string): string =>
    new Date(value === 'now' ? now : timeFlagMs(flag, value, now)).toISOString();
  const since = flags.since === undefined ? undefined : at('--since', flags.since);
  const until = flags.until === undefined ? undefined : at('--until', flags.until);
  if (since !== undefined && until !== undefined && Date.parse(since) >= Date.parse(until))
    throw new InvalidField(
      '--since',
      `${flags.since} (${since}) is not before --until ${flags.until} (${until}); give a --since earlier than --until`,
    );
  return { ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }) };
}

/**
 * The events of a stream followed again after its end, from the time of the last one shown: the
 * ones at that very time already shown are left out, the others shown once.
 */
export class Resume {
  #time: string | undefined;
  #seen = new Set<string>();

  /** The time to follow again from; undefined before any event. */
  get from(): string | undefined {
    return this.#time;
  }

  /** False for an event shown before the stream was followed again. */
  fresh(e: EventLine, line: string): boolean {
    if (this.#time !== undefined && e.time < this.#time) return true; // out of order: the last stays
    if (e.time !== this.#time) {
      this.#time = e.time;
      this.#seen = new Set();
    } else if (this.#seen.has(line)) return false;
    this.#seen.add(line);
    return true;
  }
}

/** Where the events go: each line shown, and the notes between streams. */
export interface EventsSink {
  line(text: string): void;
  note(text: string): void;
  /** A stream was served (true), or it ended or was cut (false). */
  open?(isOpen: boolean): void;
}

/** The lines on `io`'s stdout, the notes on its stderr. */
function sinkOf(io: Output): EventsSink {
  return { line: (text) => io.out(`${text}\n`), note: (text) => io.err(`poseidon: ${text}\n`) };
}

/** `poseidon events`: the manager's event stream as lines for people, or as it comes with --json. */
export async function printEvents(given: EventsFlags, io: Output = STDIO): Promise<void> {
  const flags = filterFlags(given);
  const keep = eventFilter(flags);
  const window = eventsWindow(flags);
  const abort = new AbortController();
  const interrupted = (): void => abort.abort();
  process.once('SIGINT', interrupted);
  try {
    await followEvents(managerClient(flags), { json: flags.json === true, keep, window }, abort.signal, sinkOf(io));
  } finally {
    process.off('SIGINT', interrupted);
  }
}

/** What `events` says when the manager ended its stream and none served it again within the window. */
export const EVENTS_ENDED = 'the manager ended the event stream (it is stopping)';

/** What `events` says when it follows the stream again after it ended or was cut. */
export const followedAgain = (url: string): string =>
  'the event stream ended (a manager stopped, or the leader changed); following again from the last event ' +
  `shown, through ${url}`;

/**
 * The manager's events shown on `sink` until `signal` aborts (quietly) or `window.until`. A stream
 * that ends (its manager stopped, or restarted, or the leader changed) or is cut off is asked for
 * again, of the next manager of the list while one is away, from the last event shown, none shown
 * twice (Resume); said once on the sink when served again. Once `patience`'s window passes with
 * no manager serving it, it fails with one line that ends in `run poseidon events again`.
 */
export async function followEvents(
  client: ManagerClient,
  show: { json: boolean; keep: (e: EventLine) => boolean; window: { since?: string; until?: string } },
  signal: AbortSignal,
  sink: EventsSink,
  patience = PATIENCE,
): Promise<void> {
  const { window } = show;
  const cut = new Cut(patience);
  const giveUp = `no manager served it again within ${cut.windowText}; run poseidon events again`;
  const resume = new Resume();
  const openedAt = new Date().toISOString();
  try {
    for (let again = false; ; again = true) {
      // followed again before any event: from when the first stream opened, by this machine's clock
      const since = resume.from ?? window.since ?? (again ? openedAt : undefined);
      let events: Readable;
      try {
        events = await client.events(signal, { ...window, ...(since === undefined ? {} : { since }) });
      } catch (err) {
        // the first ask's error is the command's; one after a cut, while the manager is away, is asked again
        if (!again || signal.aborted || !managerAway(err)) throw err;
        await cut.hit(() => err, signal);
        continue;
      }
      if (again && cut.served()) sink.note(followedAgain(client.baseUrl));
      sink.open?.(true);
      const servedAt = Date.now();
      let why: () => unknown = () => new StreamEnded(`${EVENTS_ENDED}; ${giveUp}`);
      try {
        // Ctrl-C ends the lines quietly; a manager that goes away is asked again
        for await (const line of readLines(events, signal)) {
          const safe = printableJson(line); // a raw control character is neither printed nor bad JSON
          const e = eventOf(safe);
          if (e !== undefined && (!resume.fresh(e, safe) || !show.keep(e))) continue;
          sink.line(show.json ? safe : e === undefined ? printable(safe) : describe(e));
          cut.progress();
        }
      } catch (err) {
        if (signal.aborted) return;
        if (!managerAway(err)) throw streamError(err, 'the event stream', 'run poseidon events again');
        why = () => streamError(err, 'the event stream', giveUp);
      } finally {
        sink.open?.(false);
      }
      if (signal.aborted) return;
      if (window.until !== undefined && Date.now() >= Date.parse(window.until) - UNTIL_SLACK_MS) return;
      // open a whole window, quiet (no event happened): this end is a new cut, not one more of the last
      if (Date.now() - servedAt >= patience.windowMs) cut.progress();
      await cut.hit(why, signal);
    }
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  }
}
