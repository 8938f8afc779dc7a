import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagerTaskView } from '../api/index.js';
import type { ManagerClient } from '../client/index.js';
import { InvalidField } from '../errors/index.js';
import { sinceFlag } from './flags.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { serviceHint } from './service-hint.js';
import { managerGone, StreamEnded, streamError } from './stream-end.js';

export interface LogsFlags extends ClientFlags {
  follow?: boolean;
  tail?: string;
  since?: string;
  timestamps?: boolean;
}

/** What a read of a container's output asks for besides follow: the last lines, from when, with times. */
export interface LogRead {
  tail?: number;
  since?: number;
  timestamps?: boolean;
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
      const output = await client.logs(id, { follow: false, ...read, signal: abort.signal });
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
 * --tail as a number of lines (all of them without it, or with `all`, docker logs' default), --since
 * as seconds since 1970, and --timestamps.
 */
export function readOf(flags: LogsFlags, now = Date.now()): LogRead {
  const tail = flags.tail === 'all' ? undefined : flags.tail;
  if (tail !== undefined && !/^[0-9]{1,9}$/.test(tail))
    throw new InvalidField('--tail', `is "${tail}"; use a number of lines, or all`);
  return {
    ...(tail === undefined ? {} : { tail: Number(tail) }),
    ...(flags.since === undefined ? {} : { since: sinceFlag('--since', flags.since, now) }),
    ...(flags.timestamps === true ? { timestamps: true } : {}),
  };
}

/** What a container after the first is read with: whole, with times if the first had them. */
export function laterRead(read: LogRead): LogRead {
  return read.timestamps === true ? { timestamps: true } : {};
}

/** Where followed output goes: its bytes, and the notes between containers. */
export interface LogSink {
  write(chunk: Buffer): void;
  note(line: string): void;
}

const STDOUT: LogSink = {
  write: (chunk) => void process.stdout.write(chunk),
  note: (line) => void process.stderr.write(`poseidon: ${line}\n`),
};

/**
 * Follows one task's containers until it ends for good (or `signal` aborts): waits while it has
 * none, and each new container after a restart is followed from its first line. A stream that
 * ends early fails with one line that ends in `again` (what to do: the command to run again).
 */
export async function follow(
  client: ManagerClient,
  first: ManagerTaskView,
  read: LogRead,
  signal: AbortSignal,
  sink: LogSink,
  again = FOLLOW_AGAIN,
): Promise<void> {
  let task = first;
  let followed: string | null = null;
  let endedOnce = false;
  /** The stream just followed ended by itself (its container ended, or the manager ended it). */
  let ended = false;
  /** The last stream followed ended whole; then, looks in a row at its container still running. */
  let endedWhole = false;
  let stillRuns = 0;
  for (;;) {
    if (task.containerId !== null && task.containerId !== followed) {
      if (followed !== null) sink.note(`task ${task.id.slice(0, 8)} restarted (restart ${task.restarts}):`);
      // the first container as `read` asks (its tail, since when), the ones after it whole
      const now = followed === null ? read : laterRead(read);
      followed = task.containerId;
      endedWhole = false;
      try {
        await copy(await client.logs(task.id, { follow: true, ...now, signal }), sink);
        ended = true;
        endedWhole = true;
      } catch (err) {
        // it had no container yet after all, or the one it had is gone: look again, unless
        // nothing more will come
        if (!isAwayForNow(err) || endedForGood(task)) throw streamError(err, 'the log stream', again);
      }
    } else {
      // its stream ended, yet the container it followed runs on: the worker ended the stream as
      // it stopped (a container's own end is reported at once). Said, rather than waited on in silence
      stillRuns = endedWhole && task.state === 'Running' && task.containerId === followed ? stillRuns + 1 : 0;
      if (stillRuns > STILL_RUNS_LOOKS) throw new StreamEnded(`${streamEndedEarly(task.id)}; ${again}`);
      // ended for good when seen so twice: a failure's restart is decided just after it is reported
      if (endedForGood(task)) {
        if (endedOnce) return;
        endedOnce = true;
      } else endedOnce = false;
      await sleep(LOOK_AGAIN_MS, undefined, { signal });
    }
    try {
      task = await client.getTask(task.id);
    } catch (err) {
      // the stream ended as a whole, and the manager now says it stops, or no longer answers:
      // it ended the stream as it stopped (SIGTERM), as `poseidon events` says of its own
      if (ended && managerGone(err)) throw new StreamEnded(`${LOGS_STOPPED}; ${again}`, { cause: err });
      throw err;
    }
    ended = false;
  }
}

/**
 * How many looks (LOOK_AGAIN_MS apart) the container whose stream ended must still be running
 * before that is said: its end is reported within milliseconds, but a busy manager may take longer.
 */
const STILL_RUNS_LOOKS = 8;
/** What `logs -f` says when a stream ended while its container runs on. */
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

export async function copy(output: NodeJS.ReadableStream, sink: LogSink): Promise<void> {
  for await (const chunk of output) sink.write(chunk as Buffer);
}
