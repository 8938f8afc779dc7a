import type { Socket } from 'node:net';
import type { Target } from './balancer.js';
import { BodyFramer } from './http-body.js';
import { HeldAnswer, holdMs } from './held-answer.js';
import { concat } from './head-bytes.js';
import { BadRequest, HEAD_END, MAX_HEAD_BYTES, parseRequestHead, parseResponseHead, plainAnswer } from './http-head.js';
import type { RequestHead, ResponseHead } from './http-head.js';
import { joinTunnel } from './http-tunnel.js';
import { codeOf, connectFailed, type PortContext } from './port-context.js';
import type { Upstream, UpstreamOwner, UpstreamPool } from './upstream-pool.js';

type Phase = 'head' | 'busy' | 'tunnel' | 'done';

/**
 * One client connection to an http port: requests are read one at a time (pipelined ones wait
 * their turn), each is balanced on its own over the port's kept-alive replica connections, and its
 * answer is passed back as it comes. A connect failure moves on to another replica (the body is
 * read only once one is connected); so does an idempotent request without a body whose replica
 * failed or stayed silent for the answer timeout before any byte of an answer was sent on (its
 * answer is kept back until complete, while small and brief: see held-answer.ts). The client may
 * end its side after its request: the answer is still delivered. A `101 Switching Protocols`
 * answer to an upgrade request (a WebSocket) makes the two connections one tunnel.
 */
export class HttpClientConnection implements UpstreamOwner {
  #phase: Phase = 'head';
  /** Client bytes not handled yet: a partial head, or a pipelined request. */
  #buffered: Buffer | undefined;
  #clientEnded = false;
  readonly #address: string;
  readonly #requests: ReadonlyArray<{ inc(): void }>;
  // the exchange in progress
  #req: RequestHead | undefined;
  readonly #reqBody = new BodyFramer();
  /** Body bytes that came before a replica was connected. */
  #pendingBody: Buffer | undefined;
  #up: Upstream | undefined;
  #target: Target | undefined;
  /** Replicas tried for this request (one set per connection, cleared per request). */
  readonly #tried = new Set<string>();
  #attempts = 0;
  #lastError = '';
  #timedOut = false;
  #respHead: Buffer | undefined;
  #resp: ResponseHead | undefined;
  readonly #respBody = new BodyFramer();
  /** The answer kept back until its body is complete (see held-answer.ts), if it is. */
  #held: HeldAnswer | undefined;
  /** Bytes of an answer have gone to the client: the request can no longer go elsewhere. */
  #answered = false;

  constructor(
    private readonly ctx: PortContext,
    private readonly pool: UpstreamPool,
    private readonly client: Socket,
    idleMs: number,
  ) {
    this.#address = client.remoteAddress ?? 'unknown';
    this.#requests = ctx.metrics.requestsByClass(ctx.service);
    client.setTimeout(idleMs);
    client.on('data', this.#onClientData);
    client.on('end', this.#onClientEnd);
    client.on('drain', this.#onClientDrain);
    client.on('timeout', this.#onClientTimeout);
    client.on('error', () => undefined); // 'close' follows
    client.on('close', this.#onClientClose);
  }

  readonly #onClientData = (chunk: Buffer): void => {
    if (this.#phase === 'head') {
      this.#buffered = concat(this.#buffered, chunk);
      this.#nextRequest();
    } else if (this.#phase === 'busy') {
      if (!this.#reqBody.done) this.#forwardBody(chunk);
      else {
        this.#buffered = concat(this.#buffered, chunk);
        // a client that pipelines far ahead waits until its earlier requests are answered
        if (this.#buffered.length > MAX_HEAD_BYTES) this.client.pause();
      }
    }
  };

  readonly #onClientEnd = (): void => {
    this.#clientEnded = true;
    if (this.#phase === 'head') this.#endClient();
    // ended in the middle of its request body: the request cannot be complete
    else if (this.#phase === 'busy' && !this.#reqBody.done) this.#abort();
  };

  readonly #onClientDrain = (): void => {
    if (this.#up === undefined) return;
    this.#up.activeAtMs = this.pool.nowMs;
    this.#up.socket.resume();
  };

  readonly #onClientTimeout = (): void => {
    // idle between requests (or slow to send a head, or to close after the last answer); a
    // request in flight has its own timeout
    if (this.#phase === 'head' || this.#phase === 'done') this.client.destroy();
  };

  readonly #onClientClose = (): void => {
    this.#phase = 'done';
    this.#dropUpstream()?.socket.destroy();
  };

  #nextRequest(): void {
    const buffered = this.#buffered;
    if (buffered === undefined || buffered.length === 0) {
      if (this.#clientEnded) this.#endClient();
      return;
    }
    const end = buffered.indexOf(HEAD_END);
    if (end < 0) {
      if (buffered.length > MAX_HEAD_BYTES) this.#refuse(431, 'request head too large');
      else if (this.#clientEnded) this.#endClient();
      return;
    }
    if (end > MAX_HEAD_BYTES) return this.#refuse(431, 'request head too large');
    // a client may send an empty line before a request (RFC 9112 2.2)
    let start = 0;
    while (buffered[start] === 13 && buffered[start + 1] === 10) start += 2;
    const req = parseRequestHead(buffered, start, end, this.#address);
    if (req instanceof BadRequest) return this.#refuse(req.status, req.reason);
    this.#phase = 'busy';
    this.#req = req;
    this.#reqBody.reset(req.framing, req.length);
    this.#buffered = undefined;
    if (end + 4 < buffered.length) {
      const rest = buffered.subarray(end + 4);
      const bodyEnd = this.#reqBody.advance(rest, 0);
      if (bodyEnd < 0) return this.#refuse(400, 'malformed chunked body');
      if (bodyEnd > 0) this.#pendingBody = rest.subarray(0, bodyEnd);
      if (bodyEnd < rest.length) this.#buffered = rest.subarray(bodyEnd);
    }
    // the rest of the body is read once a replica is connected, so a failed connect can go elsewhere
    if (!this.#reqBody.done) this.client.pause();
    this.#attempts = 0;
    this.#tried.clear();
    this.#timedOut = false;
    this.#answered = false;
    this.#attempt();
  }

  #attempt(): void {
    if (this.client.destroyed) return; // gone (or the proxy closing): no replica is asked for it
    const ctx = this.ctx;
    const target = ctx.settings.balancer.pick(ctx.ready(), this.#tried);
    if (target === undefined || this.#attempts >= ctx.maxAttempts) {
      ctx.metrics.noReplica.inc({ service: ctx.service });
      if (this.#attempts === 0) return this.#answerError(503, `no ready replica of service ${ctx.service}\n`);
      if (this.#timedOut) return this.#answerTimeout();
      return this.#answerError(
        502,
        `no replica of service ${ctx.service} answered (${this.#attempts} tried; last error: ${this.#lastError})\n`,
      );
    }
    if (this.#attempts > 0) ctx.metrics.retries.inc({ service: ctx.service });
    this.#attempts += 1;
    this.#tried.add(target.taskId);
    this.#target = target;
    ctx.counts.open(target.taskId, ctx.service);
    const up = this.pool.acquire(target, this);
    this.#up = up;
    if (up.connected) this.#send(up);
  }

  onUpstreamConnect(up: Upstream): void {
    if (this.#target !== undefined) this.ctx.setAside.succeeded(this.#target.key);
    this.#send(up);
  }

  #send(up: Upstream): void {
    up.socket.write((this.#req as RequestHead).head.bytes(this.#pendingBody));
    this.#pendingBody = undefined;
    if (!this.#reqBody.done) this.client.resume();
  }

  #forwardBody(chunk: Buffer): void {
    const end = this.#reqBody.advance(chunk, 0);
    if (end < 0) return this.#abort();
    const body = end === chunk.length ? chunk : chunk.subarray(0, end);
    if (end < chunk.length) this.#buffered = concat(this.#buffered, chunk.subarray(end));
    const up = this.#up;
    if (up === undefined || !up.connected) this.#pendingBody = concat(this.#pendingBody, body);
    else if (!up.socket.write(body)) this.client.pause();
    if (up !== undefined) up.activeAtMs = this.pool.nowMs;
  }

  onUpstreamDrain(): void {
    if (this.#phase === 'busy' && !this.#reqBody.done) this.client.resume();
  }

  onUpstreamData(up: Upstream, chunk: Buffer): void {
    if (this.#resp === undefined) return this.#readResponseHead(up, concat(this.#respHead, chunk));
    const end = this.#respBody.advance(chunk, 0);
    if (end < 0) return this.#abort();
    const held = this.#held;
    if (held !== undefined) {
      held.add(end === chunk.length ? chunk : chunk.subarray(0, end));
      if (this.#respBody.done) this.#finish(up, end === chunk.length);
      else if (held.full) this.#sendHeld(up);
      return;
    }
    // the chunk is the pool's read buffer: a write that cannot finish now keeps a copy
    if (!this.client.write(Buffer.from(chunk.subarray(0, end)))) up.socket.pause();
    if (this.#respBody.done) this.#finish(up, end === chunk.length);
  }

  #readResponseHead(up: Upstream, data: Buffer): void {
    const end = data.indexOf(HEAD_END);
    if (end < 0 || end > MAX_HEAD_BYTES) {
      if (data.length > MAX_HEAD_BYTES) return this.#replicaBroke(up, 'response head too large');
      this.#respHead = Buffer.from(data); // the pool's read buffer is read into again
      return;
    }
    this.#respHead = undefined;
    const resp = parseResponseHead(data, 0, end, this.#req as RequestHead);
    if (typeof resp === 'string') return this.#replicaBroke(up, resp);
    const client = this.client;
    if (resp.status < 200 && resp.status !== 101) {
      // an interim answer (100 Continue): passed on; the final one follows
      this.#answered = true;
      client.write(resp.head.bytes());
      if (end + 4 < data.length) this.#readResponseHead(up, data.subarray(end + 4));
      return;
    }
    this.#resp = resp;
    this.#respBody.reset(resp.framing, resp.length);
    if (resp.status === 101) {
      this.#commit(resp);
      client.write(resp.head.bytes(data, end + 4, data.length));
      return this.#tunnel(up);
    }
    const bodyEnd = this.#respBody.advance(data, end + 4);
    if (bodyEnd < 0) return this.#abort();
    const bytes = resp.head.bytes(data, end + 4, bodyEnd);
    if (!this.#respBody.done && (this.#req as RequestHead).resendable) {
      this.#held = new HeldAnswer(bytes);
      up.heldUntilMs = this.pool.nowMs + holdMs(resp);
      return;
    }
    this.#commit(resp);
    client.write(bytes);
    if (client.writableNeedDrain) up.socket.pause();
    if (this.#respBody.done) this.#finish(up, bodyEnd === data.length);
  }

  /** The answer goes to the client from now on: the request cannot go elsewhere any more. */
  #commit(resp: ResponseHead): void {
    this.#answered = true;
    this.#requests[Math.min(4, Math.floor(resp.status / 100) - 1)]?.inc();
  }

  /** What was kept back goes on, and the rest of the answer as it comes. */
  #sendHeld(up: Upstream): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    up.heldUntilMs = undefined;
    this.#commit(this.#resp as ResponseHead);
    if (!this.client.write(held.bytes())) up.socket.pause();
  }

  onUpstreamHeldLong(up: Upstream): void {
    if (up === this.#up) this.#sendHeld(up);
  }

  /** A kept-back answer from a replica that failed: forgotten, the request goes elsewhere. */
  #forgetAnswer(up: Upstream): void {
    this.#held = undefined;
    up.heldUntilMs = undefined;
    this.#resp = undefined;
    this.#respHead = undefined;
  }

  onUpstreamEnd(up: Upstream): void {
    // a body delimited by the connection's close ends here; anything else ended too soon
    if (this.#resp?.framing === 'close') this.#finish(up, false);
    else up.socket.destroy();
  }

  onUpstreamClose(up: Upstream, err: Error | undefined): void {
    if (up !== this.#up || this.#phase !== 'busy') return;
    this.#dropUpstream();
    const target = up.target;
    this.#lastError = codeOf(err);
    if (!up.connected) {
      connectFailed(this.ctx, target, err ?? new Error('connection closed'));
      return this.#attempt();
    }
    if (this.#answered) return this.#cutClient();
    // a kept-alive connection the replica had just closed (before any answer) says nothing about the replica
    if (up.reused && this.#resp === undefined) this.#tried.delete(target.taskId);
    this.#forgetAnswer(up);
    if ((this.#req as RequestHead).resendable) return this.#attempt();
    this.#answerError(502, `replica of service ${this.ctx.service} failed: ${this.#lastError}\n`);
  }

  onUpstreamTimeout(up: Upstream): void {
    if (up !== this.#up) return;
    this.#dropUpstream();
    up.socket.destroy();
    if (this.#answered) return this.#cutClient();
    this.#forgetAnswer(up);
    this.#timedOut = true;
    this.#lastError = 'timed out';
    if ((this.#req as RequestHead).resendable) this.#attempt();
    else this.#answerTimeout();
  }

  /** The exchange is over: the replica's connection is kept or closed, the client's next request read. */
  #finish(up: Upstream, clean: boolean): void {
    const resp = this.#resp as ResponseHead;
    this.#sendHeld(up);
    this.#dropUpstream();
    if (clean && resp.reusable && this.#reqBody.done) this.pool.release(up);
    else this.pool.discard(up);
    this.#nextOrEnd(resp.closeClient);
  }

  #nextOrEnd(close: boolean): void {
    const complete = this.#reqBody.done;
    this.#req = undefined;
    this.#resp = undefined;
    this.#respHead = undefined;
    this.#pendingBody = undefined;
    if (close || !complete) return this.#endClient();
    this.#phase = 'head';
    if (this.client.isPaused()) this.client.resume();
    this.#nextRequest();
  }

  #answerError(status: number, text: string): void {
    const ctx = this.ctx;
    this.#requests[4]?.inc();
    if (this.#answered) return this.#cutClient();
    const close = !this.#reqBody.done || !(this.#req?.keepAlive ?? false);
    this.client.write(plainAnswer(status, text, close), 'latin1');
    this.#nextOrEnd(close);
  }

  #answerTimeout(): void {
    const ms = this.pool.timeouts.responseTimeoutMs;
    this.#answerError(504, `replica of service ${this.ctx.service} did not answer within ${ms} ms\n`);
  }

  /** A replica's answer that cannot be passed on: 502 if nothing went to the client yet. */
  #replicaBroke(up: Upstream, why: string): void {
    this.#dropUpstream();
    up.socket.destroy();
    this.ctx.log.debug({ service: this.ctx.service, target: up.target.key, why }, 'replica answered badly');
    this.#answerError(502, `replica of service ${this.ctx.service} answered badly: ${why}\n`);
  }

  /** A request that will not be forwarded: answered, and the connection closed after it. */
  #refuse(status: number, why: string): void {
    this.client.write(plainAnswer(status, `${why}\n`, true), 'latin1');
    this.#endClient();
  }

  #abort(): void {
    this.#dropUpstream()?.socket.destroy();
    this.client.destroy();
  }

  /** An answer already begun cannot be replaced: the client sees its connection cut. */
  #cutClient(): void {
    this.client.destroy();
  }

  #endClient(): void {
    this.#phase = 'done';
    this.client.end();
    // read on (and drop) what the client still sends, so its end is seen and the socket closes
    this.client.resume();
  }

  /** Lets go of the exchange's replica connection (its open count too); the caller decides its fate. */
  #dropUpstream(): Upstream | undefined {
    const up = this.#up;
    this.#up = undefined;
    if (up !== undefined) this.ctx.counts.close(up.target.taskId, this.ctx.service);
    return up;
  }

  /** After `101 Switching Protocols`: bytes flow both ways as they come, each side's end passed on. */
  #tunnel(up: Upstream): void {
    this.#phase = 'tunnel';
    this.#up = undefined;
    const { taskId } = up.target;
    const client = this.client;
    client.off('data', this.#onClientData);
    client.off('end', this.#onClientEnd);
    client.off('drain', this.#onClientDrain);
    // the tunnel holds its replica connection open until it closes, as a tcp connection does
    joinTunnel(client, up, this.#buffered, () => this.ctx.counts.close(taskId, this.ctx.service));
    this.#buffered = undefined;
  }
}
