import { isConnectionFailure } from '../client/index.js';
import { PoseidonError } from '../errors/index.js';

// A stream the CLI follows (`logs -f`, `exec`, `events`) that the manager ended as it stopped, or
// whose connection broke off: expected, so one line saying what happened, never a stack.

/** The manager's stream ended before its own end: it stopped, or the connection broke. */
export class StreamEnded extends PoseidonError {
  constructor(message: string, options?: ErrorOptions) {
    super('unreachable', message, options);
  }
}

/**
 * A stream's connection that broke before the answer's end: what the client counts as a call
 * that did not get through (reset, a broken pipe, …), or an answer closed mid-way. No bug here.
 */
export function brokeOff(err: unknown): boolean {
  if (err instanceof PoseidonError || !(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return isConnectionFailure(err) || code === 'ERR_STREAM_PREMATURE_CLOSE' || err.message === 'aborted';
}

/**
 * `err` as the line to print when the connection to the manager broke during `what` (`the log
 * stream`); any other error as it is. `then`: what to do now.
 */
export function streamError(err: unknown, what: string, then: string): unknown {
  if (!brokeOff(err)) return err;
  return new StreamEnded(
    `the connection to the manager broke during ${what} (it stopped, or the network failed); ${then}`,
    { cause: err },
  );
}

/** Codes of a manager that cannot serve now but will, or another will: it stops, or the group has no leader yet. */
const AWAY_CODES = new Set(['server_stopping', 'unreachable', 'no_leader', 'not_leader', 'store_unavailable']);

/**
 * The manager a followed stream went through is away for now (it stopped, the connection broke,
 * the group elects a leader): the stream may be asked for again, of it or of another.
 */
export function managerAway(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return brokeOff(err) || (err instanceof PoseidonError && typeof code === 'string' && AWAY_CODES.has(code));
}
