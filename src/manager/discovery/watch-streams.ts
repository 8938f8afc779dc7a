import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { EndpointsMessage } from '../../api/index.js';
import { PoseidonError } from '../../errors/index.js';
import { endsWhenRefused, endsWithServer } from '../../http/index.js';
import type { Consumer, Consumers } from './consumers.js';
import type { EndpointBook } from './endpoint-book.js';

/** Open watches at once at most (one or two per host); one more is refused (503) until one ends. */
export const MAX_WATCHERS = 256;
/**
 * Bytes a watcher may leave unread past the snapshot: beyond it the watch is cut off (it
 * reconnects and gets a fresh snapshot), so a host that stops reading never makes the manager
 * keep every change for it.
 */
export const MAX_WATCH_BUFFER_BYTES = 4 * 1024 * 1024;
/** A ping this often keeps an idle watch honest: a consumer that hears nothing for a while reconnects. */
export const WATCH_PING_MS = 3_000;

export class TooManyWatchers extends PoseidonError {
  constructor(max: number) {
    super('too_many_subscribers', `the manager already streams endpoints to ${max} watchers, its limit; try later`, {
      retryAfterMs: 5_000,
    });
  }
}

export interface WatchStreamsDeps {
  book: EndpointBook;
  consumers: Consumers;
  log: Logger;
  maxWatchers?: number;
  maxBufferedBytes?: number;
  pingMs?: number;
}

/**
 * `GET /endpoints/watch`: NDJSON, the snapshot first, then every change as the table publishes
 * it, and a ping every few seconds. Each open watch is a live consumer (consumers.ts) of the
 * node whose certificate opened it, until it closes.
 */
export class WatchStreams {
  #count = 0;
  #cut = 0;

  constructor(private readonly deps: WatchStreamsDeps) {}

  get count(): number {
    return this.#count;
  }

  /** Watches cut off for reading too slowly, since start. */
  get cutOff(): number {
    return this.#cut;
  }

  serve(req: FastifyRequest, reply: FastifyReply, nodeId: string): void {
    const max = this.deps.maxWatchers ?? MAX_WATCHERS;
    if (this.#count >= max) throw new TooManyWatchers(max);
    const maxBuffered = this.deps.maxBufferedBytes ?? MAX_WATCH_BUFFER_BYTES;
    const { book } = this.deps;
    reply.hijack();
    const res = reply.raw;
    this.#count += 1;
    res.writeHead(200, {
      'content-type': 'application/x-ndjson',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    req.raw.socket.setTimeout(0); // a quiet table is no idle client: pings and the buffer bound it
    endsWithServer(req, reply, () => res.end());
    // its node's certificate revoked or expired meanwhile: it ends as at a stop, and the next watch is refused
    endsWhenRefused(req, () => res.end());
    req.raw.socket.setNoDelay(true); // a change is one small line: send it now
    // the snapshot and the subscription in one turn: no change falls between them
    const snapshot = book.snapshot();
    res.write(`${JSON.stringify(snapshot)}\n`);
    const baseline = res.writableLength; // the snapshot may be large; what counts is what piles up after it
    let consumer: Consumer | undefined;
    const write = (m: EndpointsMessage): void => {
      if (res.destroyed) return;
      if (res.writableLength - baseline > maxBuffered) {
        this.#cut += 1;
        this.deps.log.info(
          { nodeId, consumer: consumer?.id, bufferedBytes: res.writableLength, limitBytes: maxBuffered },
          'endpoints watcher cut off: it reads too slowly',
        );
        res.destroy();
        return;
      }
      res.write(`${JSON.stringify(m)}\n`);
    };
    const unsubscribe = book.subscribe(write);
    const opened = this.deps.consumers.open(nodeId);
    consumer = opened.consumer;
    const ping = setInterval(
      () => write({ type: 'ping', epoch: book.epoch, revision: book.revision }),
      this.deps.pingMs ?? WATCH_PING_MS,
    );
    ping.unref();
    this.deps.log.info({ nodeId, consumer: opened.consumer.id, revision: snapshot.revision }, 'endpoints watch opened');
    let closed = false;
    res.on('close', () => {
      if (closed) return;
      closed = true;
      clearInterval(ping);
      unsubscribe();
      opened.close();
      this.#count -= 1;
      this.deps.log.info({ nodeId, consumer: opened.consumer.id }, 'endpoints watch closed');
    });
  }
}
