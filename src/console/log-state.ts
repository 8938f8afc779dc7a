import type { TaskView } from './decode.js';

// What the task page's logs pane says of the output it shows. A task that ended with no restart
// coming (it completed, its restart policy gave up on it, it was stopped) writes nothing more: its
// pane says it ended and when, shows its last lines, and follows nothing.

type Ended = Pick<TaskView, 'state' | 'restartAt'>;

/** Whether the task's output is all there will be: it ended, and no restart is planned. */
export function endedForGood(t: Ended): boolean {
  return (t.state === 'Completed' || t.state === 'Failed') && t.restartAt === null;
}

/**
 * Where the pane's reading stands: `following` a stream; `reconnecting` after one was cut off (the
 * manager's words in `detail`, none when it did not answer); `stopped`: the stream ended with its
 * container, or the container is gone (a restart is waited for, or none comes); `refused`: the
 * manager answered why not (its words in `detail`).
 */
export type LogPhase =
  { kind: 'waiting' | 'following' | 'stopped' } | { kind: 'reconnecting' | 'refused'; detail: string };

/** The pane's line, as text around one time: `Logs: ${before}<ago>${after}` (no time: `at` null). */
export interface LogStateText {
  before: string;
  at: string | null;
  after: string;
}

/**
 * What the pane says of `phase`, for the task as it is now. An ended task says so, and when,
 * whatever its stream is doing: it is reading what there is, never "following" what will not grow.
 */
export function logStateText(
  phase: LogPhase,
  t: Ended & Pick<TaskView, 'reason' | 'finishedAt' | 'lastExit'>,
  shownAny: boolean,
): LogStateText {
  const plain = (before: string): LogStateText => ({ before, at: null, after: '' });
  if (phase.kind === 'refused') return plain(`not shown: ${phase.detail}`);
  if (endedForGood(t)) {
    const at = t.finishedAt ?? t.lastExit?.at ?? null;
    const why = t.reason === '' ? '' : ` (${t.reason})`;
    const rest =
      phase.kind !== 'stopped'
        ? ': reading its last lines'
        : shownAny
          ? ': its last lines are below, and no more will come'
          : ', writing nothing';
    return { before: `ended: the task ${t.state === 'Failed' ? 'failed' : 'completed'}`, at, after: `${why}${rest}` };
  }
  switch (phase.kind) {
    case 'waiting':
      return plain('waiting for its container');
    case 'following':
      return plain('following');
    case 'reconnecting':
      return plain(
        `reconnecting (${phase.detail === '' ? 'the manager does not answer' : phase.detail}; trying again)`,
      );
    case 'stopped':
      return plain(
        t.restartAt !== null
          ? 'the container stopped; its restart is planned and will be followed'
          : t.state === 'Pending' || t.state === 'Scheduled'
            ? 'its container is gone; the task waits to be placed again, and its next container will be followed'
            : 'the container stopped (a restart is followed)',
      );
  }
}
