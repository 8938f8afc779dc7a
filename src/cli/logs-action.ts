import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagerTaskView } from '../api/index.js';
import type { LogPiece, ManagerClient } from '../client/index.js';
import { InvalidField } from '../errors/index.js';
import { MAX_LOG_TAIL_LINES } from '../api/logs-media.js';
import { sinceFlag, timeFlagMs } from './flags.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { serviceHint } from './service-hint.js';
import { LogLines, type LogRead, type LogSink } from './log-lines.js';
import { Cut, PATIENCE } from './stream-again.js';
import { managerAway, StreamEnded, streamError } from './stream-end.js';

export type { LogRead, LogSink, LogStream } from './log-lines.js';

export interface LogsFlags extends ClientFlags {
  follow?: boolean;
  tail?: string;
  since?: string;
  until?: string;
  timestamps?: boolean;
  details?: boolean;
}

/** How often --follow looks at the task while it has no container to follow (it starts, or restarts). */
const LOOK_AGAIN_MS = 250;

/**
 * `poseidon logs <id>`: the container's output through the manager; Ctrl-C ends a --follow
 * quietly. With --follow it waits for a task that has no container yet, and follows the task
 * across restarts (each new container from its first line, said on stderr) until it ends for good.
 */
export async function printLogs(id: string, flags: LogsFlags): Promise<void> {
  const read = readOf(flags);
  const client = managerClient(flags);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  try {
    if (flags.follow !== true) {
      const output = await client.logStreams(id, { follow: false, ...read, signal: abort.signal });
      await copy(output, STDOUT).catch((err: unknown) => {
        throw streamError(err, 'the log stream', 'run poseidon logs again');
      });
      return;
    }
    await follow(client, await client.getTask(id), read, abort.signal, STDOUT);
  } catch (err) {
    if (abort.signal.aborted) return;
    throw await serviceHint(client, id, err, (s) => `poseidon service logs ${s} prints its replicas' output`);
  }
}

/**
 * --tail as a number of lines (all of them without it, or with `all` or `-1`, as docker logs takes them), --since
 * and --until as seconds since 1970 (--until to the millisecond: `--until 0s`, now, takes in what
 * was written earlier in this second), and --timestamps. --until reads the past: not with
 * --follow, which shows what comes. --details is refused (DETAILS).
 */
export function readOf(flags: LogsFlags, now = Date.now()): LogRead {
  if (flags.details === true) throw new InvalidField('--details', DETAILS);
  const tail = flags.tail === 'all' || flags.tail === '-1' ? undefined : flags.tail;
  if (tail !== undefined && !/^[0-9]{1,9}$/.test(tail))
    throw new InvalidField('--tail', `is "${tail}"; use a number of lines, or all (or -1) for every line`);
  if (tail !== undefined && Number(tail) > MAX_LOG_TAIL_LINES)
    throw new InvalidField('--tail', `is ${tail} lines; at most ${MAX_LOG_TAIL_LINES}`);
  if (flags.until !== undefined && flags.follow === true)
    throw new InvalidField('--until', 'ends a read of the past: leave out -f, or --until');
  return {
    ...(tail === undefined ? {} : { tail: Number(tail) }),
    ...(flags.since === undefined ? {} : { since: sinceFlag('--since', flags.since, now) }),
    ...(flags.until === undefined ? {} : { until: timeFlagMs('--until', flags.until, now) / 1000 }),
    ...(flags.timestamps === true ? { timestamps: true } : {}),
  };
}

/**
 * Why `--details` is refused: docker's shows the attributes its log-opts `labels`, `env` and
 * `tag` add to each line; Poseidon sets none of those (a task's `logs` holds the log's size and
 * files), so each line would come as it does without it.
 */
export const DETAILS =
  "shows the attributes docker's log options labels, env and tag add to each line; Poseidon sets none, " +
  'so there is nothing to show: leave out --details';

/** What a container after the first is read with: whole, with times if the first had them. */
export function laterRead(read: LogRead): LogRead {
  return read.timestamps === true ? { timestamps: true } : {};
}

/** The container's stdout to this command's stdout, its stderr to stderr, as `docker logs` does. */
const STDOUT: LogSink = {
  write: (chunk, stream) => void (stream === 'stderr' ? process.stderr : process.stdout).write(chunk),
  note: (line) => void process.stderr.write(`poseidon: ${line}\n`),
};

/**
 * Follows one task's containers until it ends for good (or `signal` aborts): waits while it has
 * none, and each new container after a restart is followed from its first line. A stream cut off
 * (its manager stopped, the connection broke, the leader changed, or it ended while its container
 * runs on) is asked for again, of the next manager of the list when that one is away, from the
 * last line shown, none shown twice (LogLines); said once on the sink. Once `patience`'s window
 * passes with nothing new shown, it fails with one line that ends in `again` (the command to run).
 */
export async function follow(
  client: ManagerClient,
  first: ManagerTaskView,
  read: LogRead,
  signal: AbortSignal,
  sink: LogSink,
  again = FOLLOW_AGAIN,
  patience = PATIENCE,
): Promise<void> {
  const cut = new Cut(patience);
  const giveUp = `no manager served it again within ${cut.windowText}; ${again}`;
  const openedAt = Date.now();
  let task = first;
  let followed: string | null = null;
  let lines = new LogLines(sink, read.timestamps === true);
  let from = read;
  let endedOnce = false;
  /** Looks in a row at the container whose stream ended whole, still running. */
  let stillRuns = 0;
  for (;;) {
    const fresh = task.containerId !== null && task.containerId !== followed;
    /** The stream just followed ended by itself (its container ended, or the manager ended it). */
    let endedWhole = false;
    /** The manager the stream came through. */
    let at = client.baseUrl;
    if (fresh || (cut.due && followed !== null && task.containerId === followed)) {
      if (fresh) {
        lines.end();
        if (followed !== null) sink.note(`task ${task.id.slice(0, 8)} restarted (restart ${task.restarts}):`);
        // the first container as `read` asks (its tail, since when), the ones after it whole
        from = followed === null ? read : laterRead(read);
        followed = task.containerId;
        lines = new LogLines(sink, read.timestamps === true);
      } else lines.again();
      stillRuns = 0;
      const timed = lines.timed;
      try {
        const output = await client.logStreams(task.id, { follow: true, ...lines.ask(from, openedAt), signal });
        at = client.baseUrl; // the call may have gone on to another manager
        if (fresh) cut.due = false;
        else if (cut.served()) sink.note(resumed(task.id, client.baseUrl));
        await copy(output, lines);
        if (lines.timed > timed) cut.progress();
        endedWhole = true;
      } catch (err) {
        if (signal.aborted) throw err;
        if (lines.timed > timed) cut.progress(); // a new cut, after lines shown
        // cut off, or the manager is away: ask again. It had no container yet after all, or the
        // one it had is gone: look again, unless nothing more will come
        if (managerAway(err)) await cut.hit(() => streamError(err, 'the log stream', giveUp), signal);
        else if (!isAwayForNow(err) || endedForGood(task)) throw streamError(err, 'the log stream', again);
        else await sleep(LOOK_AGAIN_MS, undefined, { signal });
      }
    } else {
      // its stream ended, yet the container it followed runs on: the manager or the worker ended
      // the stream as it stopped (a container's own end is reported at once). Asked for again
      stillRuns = task.state === 'Running' && task.containerId === followed ? stillRuns + 1 : 0;
      if (stillRuns > STILL_RUNS_LOOKS) {
        stillRuns = 0;
        await cut.hit(() => new StreamEnded(`${streamEndedEarly(task.id)}; ${giveUp}`), signal);
        continue;
      }
      // ended for good when seen so twice: a failure's restart is decided just after it is reported
      if (endedForGood(task)) {
        if (endedOnce) return lines.end();
        endedOnce = true;
      } else endedOnce = false;
      await sleep(LOOK_AGAIN_MS, undefined, { signal });
    }
    task = await lookAgain(client, task.id, cut, signal, () =>
      endedWhole ? new StreamEnded(`${LOGS_STOPPED}; ${giveUp}`) : undefined,
    );
    // the look went to another manager (this one stopped as it ended the stream): ask again there
    if (endedWhole && client.baseUrl !== at) cut.due = true;
  }
}

/**
 * The task, asked of the managers until one answers: while they are away (stopping, restarting,
 * electing a leader) it is asked again (cut.hit); `why` is what the command fails with once the
 * window passes (undefined: the manager's own answer).
 */
async function lookAgain(
  client: ManagerClient,
  id: string,
  cut: Cut,
  signal: AbortSignal,
  why: () => unknown,
): Promise<ManagerTaskView> {
  for (;;) {
    try {
      return await client.getTask(id);
    } catch (err) {
      if (!managerAway(err)) throw err;
      await cut.hit(() => why() ?? err, signal);
    }
  }
}

/** What `logs -f` says when it follows a stream again after a cut. */
export const resumed = (taskId: string, url: string): string =>
  `the log stream of task ${taskId.slice(0, 8)} was cut (a manager stopped, or the leader changed); ` +
  `following again from the last line shown, through ${url}`;

/**
 * How many looks (LOOK_AGAIN_MS apart) the container whose stream ended must still be running
 * before that is said: its end is reported within milliseconds, but a busy manager may take longer.
 */
const STILL_RUNS_LOOKS = 8;
/** What `logs -f` says when a stream ended while its container runs on, and asking again did not help. */
export const streamEndedEarly = (taskId: string): string =>
  `the log stream of task ${taskId.slice(0, 8)} ended while its container runs on (its worker stopped?)`;

/** What `logs -f` says when the manager ended the stream as it stopped. */
export const LOGS_STOPPED = 'the manager ended the log stream (it is stopping)';
const FOLLOW_AGAIN = 'run poseidon logs -f again';

/** Stopped, or finished with no restart to come. */
function endedForGood(t: ManagerTaskView): boolean {
  const finished = t.state === 'Completed' || t.state === 'Failed';
  return finished && (t.desiredState === 'stopped' || t.restartAt === null);
}

/** The task has no container to read now (not placed yet, or its container is gone). */
export function isAwayForNow(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'task_not_placed' || code === 'container_gone';
}

/** Each piece of a container's output to `sink`, with its stream. */
export async function copy(output: AsyncIterable<LogPiece>, sink: Pick<LogSink, 'write'>): Promise<void> {
  for await (const piece of output) sink.write(piece.data, piece.stream);
}
