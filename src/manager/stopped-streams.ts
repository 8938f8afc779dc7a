import type { ExecLine } from '../api/index.js';
import type { RelayEnd } from '../http/index.js';

// How the streams the Manager API passes on end when the manager stops (SIGTERM): the leader's
// routes (relayUntilClose, src/http/streams.ts) and a follower of a group that passes the call on
// to the leader (group/forward.ts) end them alike, so the CLI says the same one line whichever
// manager it called.

/** What a `logs` client is told when the manager stops before the worker answered. */
export const LOGS_STOPPED = 'the manager ended the log stream (it is stopping)';

/** What an exec's client is told when the manager stops (SIGTERM) while the command runs. */
export const EXEC_STOPPED =
  'the manager ended the exec stream (it is stopping); the command may still run in the container';

/** What a `cp` out of a task is told when the manager stops (SIGTERM) during it. */
export const COPY_STOPPED = 'the manager ended the copy (it is stopping); run poseidon cp again';

/** What `events` is told when a follower stops before the leader answered. */
export const EVENTS_STOPPED = 'the manager ended the event stream (it is stopping)';

/** A task's logs: they end whole. */
export const LOGS_END: RelayEnd = { stopped: LOGS_STOPPED };

/** An exec's output: a stop ends it with a line saying so, which the CLI prints as the exec's end. */
export const EXEC_END: RelayEnd = {
  stopped: EXEC_STOPPED,
  lastLine: JSON.stringify({ error: EXEC_STOPPED } satisfies ExecLine),
  // a token revoked or expired while the command runs: why, said as the exec's end
  refusedLine: (reason) =>
    JSON.stringify({
      error: `the manager ended the exec stream: ${reason}; the command may still run in the container`,
    } satisfies ExecLine),
};

/** A copy out of a task: an archive ended early would read as a whole one, so a stop cuts it off instead. */
export const COPY_END: RelayEnd = { stopped: COPY_STOPPED, cut: true };

/** The event stream, NDJSON or server-sent events: it ends between two lines. */
export const EVENTS_END: RelayEnd = { stopped: EVENTS_STOPPED, lines: true };
