import { PassThrough, Transform, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PoseidonError } from '../errors/index.js';
import { endsWhenRefused } from './access-recheck.js';

// A response that streams until its client leaves (`GET /events`, the endpoints watch, `logs -f`)
// would keep its server from stopping: node's close() waits for every connection to end, and such
// a client never ends its own. Each such route says how its stream ends; when the server closes,
// they all end first (their clients see the stream end), then the server stops as for any request.

const endings = new WeakMap<object, Map<() => void, Promise<void>>>();

/**
 * How long a closing server waits for the streams it ended to have sent what they still held (a
 * last line, the end of a chunked answer) before it closes their connections; a client that reads
 * nothing more does not hold the stop longer.
 */
const ENDED_SENT_MS = 2_000;

/** buildServer's: the streams of `app` end when it closes. */
export function endStreamsOnClose(app: FastifyInstance): void {
  const open = new Map<() => void, Promise<void>>();
  endings.set(app.server, open);
  app.addHook('preClose', async () => {
    const ends = [...open];
    open.clear();
    for (const [end] of ends) end();
    // the server's close() then closes every connection whose answer has ended: one whose end is
    // written but not yet sent (TLS encrypts it later) would reach its client cut off
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ENDED_SENT_MS)));
    await Promise.race([Promise.all(ends.map(([, sent]) => sent)), late]);
    clearTimeout(timer);
  });
}

/** The request's stream is ended by `end` when its server closes (nothing once the response is over). */
export function endsWithServer(req: FastifyRequest, reply: FastifyReply, end: () => void): void {
  const open = endings.get(req.server.server);
  if (open === undefined) return;
  // its answer has gone out whole ('finish'), or its connection is gone
  const sent = new Promise<void>((resolve) => {
    reply.raw.once('finish', resolve);
    reply.raw.once('close', resolve);
  });
  open.set(end, sent);
  reply.raw.once('close', () => open.delete(end));
}

/** A stream this server passed on, ended by it as it stops (SIGTERM): said in one line, never logged as a failure. */
export class StreamStopped extends PoseidonError {
  constructor(message: string) {
    super('server_stopping', message, { retryAfterMs: 1_000 });
  }
}

/** The client of a stream went away before the other end answered it: said at info, as any PoseidonError. */
class CallerLeft extends PoseidonError {
  constructor() {
    super('bad_request', 'the caller went away before the stream was answered');
  }
}

export interface RelayEnd {
  /** What the client is answered when the server stops before the other end has answered. */
  stopped: string;
  /**
   * An NDJSON stream's last line when the server ends it after it answered (no newline: added).
   * The stream is then passed on line by line, so that line never lands in the middle of another.
   */
  lastLine?: string;
  /**
   * An NDJSON stream's last line when the server ends it because its caller's credentials were
   * refused while it ran (access-recheck.ts), from why; absent: it ends whole, with no last line.
   */
  refusedLine?: (reason: string) => string;
  /**
   * An answer that must not end early as a whole one does: a tar archive, whose early end would
   * read as the whole archive. After the other end has answered, a stop cuts the client's answer
   * off, so the client sees it broken (nothing is logged); before the first byte went out, it is
   * answered `stopped` as a stream not yet answered is.
   */
  cut?: boolean;
  /**
   * An NDJSON (or server-sent events) stream without a last line of its own: passed on line by
   * line too, so a stop never ends it inside a line.
   */
  lines?: boolean;
}

/**
 * A stream this server reads from another and passes on to its client (a worker's output for
 * `logs -f` and `exec` and its archives for `cp` on the manager; the engine's on a worker),
 * opened with a signal that aborts when the client leaves. When the server closes, the client's
 * answer ends as a whole one does (after `end.lastLine`, when given), not cut off with its
 * connection reset, or is cut off on purpose (`end.cut`), and the stream it came from is let go;
 * before that stream has answered, the call fails with `end.stopped` (503 server_stopping). A
 * stop ends these streams on purpose: nothing of it is an error in the server's log.
 */
export async function relayUntilClose(
  req: FastifyRequest,
  reply: FastifyReply,
  open: (signal: AbortSignal) => Promise<NodeJS.ReadableStream>,
  end: RelayEnd,
): Promise<Readable> {
  const abort = new AbortController();
  let left = false;
  reply.raw.once('close', () => {
    left = true; // the client left (or its answer is over)
    abort.abort();
  });
  let stopping = false;
  /** Why the caller was refused while its stream ran (a token revoked or expired meanwhile). */
  let refused: string | undefined;
  let relay: { source: NodeJS.ReadableStream; out: Transform } | undefined;
  endsWithServer(req, reply, () => {
    stopping = true;
    if (relay === undefined) {
      abort.abort();
      return;
    }
    endRelay(relay.source, relay.out, end);
  });
  endsWhenRefused(req, (reason) => {
    if (relay === undefined) {
      // not answered yet: nothing to end whole, and the caller may read nothing more
      reply.raw.destroy();
      abort.abort();
      return;
    }
    refused = reason;
    stopping = true;
    endRelay(relay.source, relay.out, end);
  });
  let source: NodeJS.ReadableStream;
  try {
    source = await open(abort.signal);
  } catch (err) {
    if (stopping) throw new StreamStopped(end.stopped);
    // its abort, as the client went away first: nobody to answer, and nothing went wrong here
    if (left) throw new CallerLeft();
    throw err;
  }
  if (stopping) {
    letGo(source);
    throw new StreamStopped(end.stopped);
  }
  const last = (): string | undefined => (refused === undefined ? end.lastLine : end.refusedLine?.(refused));
  const out = relayOutput(source, end, () => stopping, last);
  relay = { source, out };
  return out;
}

/**
 * What a relay passes on of `source` to its client, until endRelay ends it as the server stops
 * (`stopping()` from then on): whole lines for a stream of lines (`end.lastLine`, `end.lines`),
 * the bytes as they come otherwise; `lastLine` (end.lastLine unless said) is read as it ends. An
 * error of `source` before the stop is the output's.
 */
export function relayOutput(
  source: NodeJS.ReadableStream,
  end: RelayEnd,
  stopping: () => boolean,
  lastLine: () => string | undefined = () => end.lastLine,
): Transform {
  const lines = end.lastLine !== undefined || end.refusedLine !== undefined || end.lines === true;
  const last = (): string | undefined => {
    const line = lastLine();
    return line === undefined ? undefined : `${line}\n`;
  };
  const out = lines ? wholeLines(last, stopping) : new PassThrough();
  source.on('error', (err) => {
    if (!stopping()) out.destroy(err);
  });
  source.pipe(out);
  return out;
}

/**
 * Ends a relay's output (relayOutput) as its server stops, once the other end has answered: it
 * ends whole (its flush adds the last line), or, `end.cut`, it fails with StreamStopped (a 503 if
 * nothing went out yet, else the client's answer is cut off); the stream it read from is let go.
 */
export function endRelay(source: NodeJS.ReadableStream, out: Transform, end: RelayEnd): void {
  source.unpipe(out);
  if (end.cut === true) out.destroy(new StreamStopped(end.stopped));
  else out.end();
  letGo(source);
}

/** Ends a stream this server read from: its request to the other end goes too. */
function letGo(source: NodeJS.ReadableStream): void {
  (source as Partial<Readable>).destroy?.();
}

/**
 * Passes on whole lines only, holding back a line until its end comes; at the end, what is held
 * back goes too, unless `stopped()`: then `last` (if any) goes instead of that cut line.
 */
function wholeLines(last: () => string | undefined, stopped: () => boolean): Transform {
  let held: Buffer = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const at = chunk.lastIndexOf(0x0a);
      if (at < 0) {
        held = Buffer.concat([held, chunk]);
        done();
        return;
      }
      const whole = held.length === 0 ? chunk.subarray(0, at + 1) : Buffer.concat([held, chunk.subarray(0, at + 1)]);
      held = chunk.subarray(at + 1);
      done(null, whole);
    },
    flush(done) {
      if (stopped()) done(null, last());
      else done(null, held.length === 0 ? undefined : held);
    },
  });
}
