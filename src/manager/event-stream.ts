import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventWindow } from '../api/index.js';
import { PoseidonError } from '../errors/index.js';
import { endsWhenRefused, endsWithServer } from '../http/index.js';
import { EVENT_HISTORY, type ClusterEvent, type EventBus } from './events.js';

/** Live `GET /events` streams at once at most; one more is refused (503) until one ends. */
export const MAX_EVENT_SUBSCRIBERS = 64;
/**
 * Bytes a subscriber may leave unread (what its socket holds back): past it the subscriber is cut
 * off. Events are written as they happen and never wait for a reader, so without this bound a
 * reader that stops reading would make the manager keep every event for it.
 */
export const MAX_EVENT_BUFFER_BYTES = 1024 * 1024;
const KEEP_ALIVE_MS = 15_000;
/** The longest a Node timer waits (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class TooManySubscribers extends PoseidonError {
  constructor(max: number) {
    super('too_many_subscribers', `the manager already streams events to ${max} subscribers, its limit; try later`, {
      retryAfterMs: 5_000,
    });
  }
}

export interface EventStreamsDeps {
  bus: EventBus;
  log: Logger;
  metrics: Registry;
  maxSubscribers?: number;
  maxBufferedBytes?: number;
}

/**
 * The `GET /events` streams: NDJSON, or Server-Sent Events when the client asks for them. At most
 * `maxSubscribers` at once, and a subscriber whose unread bytes pass `maxBufferedBytes` (its
 * socket's writableLength: what the kernel could not send) is disconnected, with a log line.
 */
export class EventStreams {
  readonly #max: number;
  readonly #maxBuffered: number;
  readonly #open: Gauge;
  readonly #cut: Counter;
  #count = 0;

  constructor(private readonly deps: EventStreamsDeps) {
    this.#max = deps.maxSubscribers ?? MAX_EVENT_SUBSCRIBERS;
    this.#maxBuffered = deps.maxBufferedBytes ?? MAX_EVENT_BUFFER_BYTES;
    this.#open = new Gauge({
      name: 'poseidon_manager_event_subscribers',
      help: 'Open GET /events streams',
      registers: [deps.metrics],
    });
    this.#cut = new Counter({
      name: 'poseidon_manager_event_subscribers_cut_total',
      help: 'GET /events streams cut off because their reader fell too far behind',
      registers: [deps.metrics],
    });
  }

  /** Open streams now. */
  get count(): number {
    return this.#count;
  }

  /**
   * Streams the events: first the kept ones from `sinceMs` when asked, then each as it happens;
   * with `untilMs`, only those before it, and the stream ends then (at once for a time past); with
   * `taskId`, only that task's (any event past `untilMs` still ends the stream).
   */
  serve(req: FastifyRequest, reply: FastifyReply, window: EventWindow = {}): void {
    if (this.#count >= this.#max) throw new TooManySubscribers(this.#max);
    const { sinceMs, untilMs, taskId } = window;
    const wanted = (e: ClusterEvent): boolean => taskId === undefined || e.taskId === taskId;
    const sse = (req.headers.accept ?? '').includes('text/event-stream');
    reply.hijack();
    const res = reply.raw;
    this.#count += 1;
    this.#open.set(this.#count);
    res.writeHead(200, {
      'content-type': sse ? 'text/event-stream' : 'application/x-ndjson',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    // a quiet cluster is no idle client: the stream is bounded by its buffer, not by the idle deadline
    req.raw.socket.setTimeout(0);
    endsWithServer(req, reply, () => res.end());
    res.write(sse ? ': connected\n\n' : '');
    const write = (text: string): void => {
      if (res.destroyed || res.writableEnded) return;
      if (res.writableLength > this.#maxBuffered) {
        this.#cutOff(req, res.writableLength);
        res.destroy();
        return;
      }
      res.write(text);
    };
    const line = (e: ClusterEvent): string =>
      sse ? `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n` : `${JSON.stringify(e)}\n`;
    // the past taken and the subscription made in one turn of the loop: no event missed or shown
    // twice between them. The past (up to EVENT_HISTORY events, some MB) goes out as the reader
    // takes it, not all at once past the unread bound; what happens meanwhile waits behind it.
    const past = sinceMs === undefined ? [] : this.deps.bus.past(sinceMs, untilMs).filter(wanted);
    let waiting: ClusterEvent[] | null = past.length === 0 ? null : [];
    // `until` reached: the stream ends, but only once the kept events before it have all gone out
    // (they wait for the reader, and an end meanwhile would drop what had not been written yet)
    let ending = false;
    const end = (): void => {
      if (waiting !== null) ending = true;
      else res.end();
    };
    const live = (e: ClusterEvent): void => {
      if (untilMs !== undefined && Date.parse(e.time) >= untilMs) end();
      else write(line(e));
    };
    const unsubscribe = this.deps.bus.subscribe((e: ClusterEvent) => {
      if (!wanted(e) && !(untilMs !== undefined && Date.parse(e.time) >= untilMs)) return;
      if (waiting === null) live(e);
      else if (res.destroyed) return;
      else if (waiting.push(e) > EVENT_HISTORY) {
        this.#cutOff(req, res.writableLength);
        res.destroy();
      }
    });
    if (waiting !== null)
      void (async () => {
        for (const e of past) {
          if (res.destroyed || res.writableEnded) return;
          if (!res.write(line(e))) await drained(res);
        }
        const later: ClusterEvent[] = waiting ?? [];
        waiting = null;
        for (const e of later) live(e);
        if (ending) res.end();
      })();
    const keepAlive = setInterval(() => write(sse ? ': keep-alive\n\n' : ''), KEEP_ALIVE_MS);
    keepAlive.unref();
    // a token revoked or expired while the stream is open: it ends (access-recheck.ts), and the next request says why
    endsWhenRefused(req, () => res.end());
    const untilLater = untilMs === undefined ? 0 : untilMs - Date.now();
    // a time past ends the stream now; one further than a timer reaches, at the first event after it
    const until = untilLater > 0 && untilLater <= MAX_TIMER_MS ? setTimeout(end, untilLater) : undefined;
    let closed = false;
    res.on('close', () => {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      clearTimeout(until);
      unsubscribe();
      this.#count -= 1;
      this.#open.set(this.#count);
    });
    if (untilMs !== undefined && untilLater <= 0) end();
  }

  #cutOff(req: FastifyRequest, buffered: number): void {
    this.#cut.inc();
    this.deps.log.info(
      { remote: req.ip, bufferedBytes: buffered, limitBytes: this.#maxBuffered },
      'events subscriber cut off: it reads too slowly',
    );
  }
}

/** Once `res` can take more, or has closed. */
function drained(res: FastifyReply['raw']): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
