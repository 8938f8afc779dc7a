import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Target } from './balancer.js';
import type { ClientTls } from '../client/tls.js';
import { ConnectTimeout } from './port-context.js';
import { dialTunnel } from './tunnel-dial.js';

// Kept-alive connections to the replicas of one http port, most recently used first (the one
// least likely to have been closed as idle by its replica). Each connection's socket listeners
// are set once and pass events to whoever holds it now, so a request costs no new closures, and
// one coarse sweep, not a timer per request, enforces the connect, answer and idle timeouts.

/** Who holds a connection: the client connection whose request it carries. */
export interface UpstreamOwner {
  onUpstreamConnect(up: Upstream): void;
  /** `chunk` is the pool's read buffer: valid only during the call (copy what must outlive it). */
  onUpstreamData(up: Upstream, chunk: Buffer): void;
  /** The replica ended its side (a close-delimited body ends so). */
  onUpstreamEnd(up: Upstream): void;
  onUpstreamDrain(up: Upstream): void;
  /** The connection is gone; `err` says why when it failed. */
  onUpstreamClose(up: Upstream, err: Error | undefined): void;
  /** Nothing came from the replica, nor went to it, for the answer timeout. */
  onUpstreamTimeout(up: Upstream): void;
  /** An answer from it has been kept back until `heldUntilMs`: it goes on as it comes. */
  onUpstreamHeldLong(up: Upstream): void;
}

export interface UpstreamTimeouts {
  connectTimeoutMs: number;
  /** How long a request waits for bytes from its replica before it is answered 504. */
  responseTimeoutMs: number;
  /** An idle kept-alive connection is closed after this (below the usual 5 s of replicas). */
  idleMs: number;
}

/**
 * Where every replica connection reads into: a read is handed on (and copied where it must
 * outlive the call) before the next one, so one buffer serves them all and a read allocates
 * nothing.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** One connection to a replica. */
export class Upstream {
  owner: UpstreamOwner | undefined;
  connected = false;
  /** It carried a request before this one (a failure on it may be a replica's idle close). */
  reused = false;
  /** The pool's coarse time of the last byte in either direction, or of the last hand-over. */
  activeAtMs: number;
  #error: Error | undefined;
  /** Close it when released: its replica left the ready list. */
  retired = false;
  /** Its owner keeps back an answer from it until this coarse time (see held-answer.ts). */
  heldUntilMs: number | undefined;
  readonly socket: Socket;
  /** After `detach`: who takes what the replica sends. */
  #tunnel: ((chunk: Buffer) => void) | undefined;

  constructor(
    readonly target: Target,
    private readonly pool: UpstreamPool,
  ) {
    this.activeAtMs = pool.nowMs;
    const via = target.via;
    const tls = pool.tunnelTls?.();
    if (via === undefined || tls === undefined) {
      const onread = { buffer: READ_BUFFER, callback: this.#onRead };
      const socket = connect({ host: target.address, port: target.port, allowHalfOpen: true, noDelay: true, onread });
      this.socket = socket;
      socket.on('connect', this.#onConnect);
      socket.on('end', this.#onEnd);
    } else {
      // through its worker (another machine): connected once the tunnel answered 101; a TLS
      // socket reads into buffers of its own, handed on as 'data'
      this.socket = dialTunnel({ ...target, via }, tls, {
        open: (socket, early) => {
          socket.on('end', this.#onEnd);
          socket.on('data', this.#onData);
          this.#onConnect();
          if (early.length > 0) this.#onData(early);
          socket.resume();
        },
      });
    }
    this.socket.on('drain', this.#onDrain);
    this.socket.on('error', this.#onError);
    this.socket.on('close', this.#onClose);
  }

  /**
   * Hands the socket over whole (an upgraded connection): the pool forgets it, and what the
   * replica sends from now on goes to `onData` (a copy, the caller's to keep).
   */
  detach(onData: (chunk: Buffer) => void): Socket {
    this.pool.forget(this);
    this.socket.off('connect', this.#onConnect);
    this.socket.off('end', this.#onEnd);
    this.socket.off('drain', this.#onDrain);
    this.socket.off('close', this.#onClose);
    this.socket.off('error', this.#onError);
    this.owner = undefined;
    this.#tunnel = onData;
    return this.socket;
  }

  readonly #onConnect = (): void => {
    this.connected = true;
    this.activeAtMs = this.pool.nowMs;
    this.owner?.onUpstreamConnect(this);
  };
  /** `chunk` is READ_BUFFER's: valid until this returns. */
  readonly #onRead = (length: number, buffer: Buffer): boolean => {
    this.#onData(buffer.subarray(0, length));
    return true; // a slow client pauses the socket itself
  };
  /** `chunk` is valid until this returns (READ_BUFFER's, or a tunnel's). */
  readonly #onData = (chunk: Buffer): void => {
    if (this.#tunnel !== undefined) this.#tunnel(Buffer.from(chunk));
    else if (this.owner === undefined)
      this.socket.destroy(); // an idle connection has nothing to say
    else {
      this.activeAtMs = this.pool.nowMs;
      this.owner.onUpstreamData(this, chunk);
    }
  };
  readonly #onEnd = (): void => {
    if (this.owner === undefined) this.socket.destroy();
    else this.owner.onUpstreamEnd(this);
  };
  readonly #onDrain = (): void => {
    this.activeAtMs = this.pool.nowMs;
    this.owner?.onUpstreamDrain(this);
  };
  readonly #onError = (err: Error): void => {
    this.#error = err;
  };
  readonly #onClose = (): void => {
    this.pool.forget(this);
    const owner = this.owner;
    this.owner = undefined;
    owner?.onUpstreamClose(this, this.#error);
  };
}

export class UpstreamPool {
  readonly #idle = new Map<string, Upstream[]>();
  readonly #all = new Set<Upstream>();
  #sweep: NodeJS.Timeout | undefined;
  readonly #sweepMs: number;
  /** Coarse monotonic ms, moved on by the sweep; fine enough for timeouts of 100 ms and more. */
  nowMs = performance.now();

  constructor(
    readonly timeouts: UpstreamTimeouts,
    /** The node certificate tunnels to replicas on other machines open with; undefined: no mesh. */
    readonly tunnelTls?: () => ClientTls,
  ) {
    const shortest = Math.min(timeouts.connectTimeoutMs, timeouts.responseTimeoutMs, timeouts.idleMs);
    this.#sweepMs = Math.max(10, Math.min(250, Math.floor(shortest / 5)));
  }

  /** An idle connection to `target`, or a new one (`connected` false until its connect). */
  acquire(target: Target, owner: UpstreamOwner): Upstream {
    const idle = this.#idle.get(target.key);
    let up = idle?.pop();
    while (up !== undefined && up.socket.destroyed) up = idle?.pop();
    if (up !== undefined) {
      up.reused = true;
    } else {
      this.#startSweep();
      up = new Upstream(target, this);
      this.#all.add(up);
    }
    up.owner = owner;
    up.activeAtMs = this.nowMs;
    return up;
  }

  /** Takes a connection back after a complete exchange; it waits for the next request. */
  release(up: Upstream): void {
    up.owner = undefined;
    if (up.retired || up.socket.destroyed) {
      up.socket.destroy();
      return;
    }
    // paused while its last client was slow to read (resume on a flowing socket still costs a tick)
    if (up.socket.isPaused()) up.socket.resume();
    up.activeAtMs = this.nowMs;
    let idle = this.#idle.get(up.target.key);
    if (idle === undefined) this.#idle.set(up.target.key, (idle = []));
    idle.push(up);
  }

  /** Drops a connection that cannot carry another request. */
  discard(up: Upstream): void {
    up.owner = undefined;
    up.socket.destroy();
  }

  forget(up: Upstream): void {
    this.#all.delete(up);
    const idle = this.#idle.get(up.target.key);
    const at = idle?.indexOf(up) ?? -1;
    if (at >= 0) idle?.splice(at, 1);
  }

  /** Closes the connections to replicas not in `keep` (task ids): idle ones now, busy ones when done. */
  retain(keep: ReadonlySet<string>): void {
    for (const up of this.#all) {
      if (keep.has(up.target.taskId)) continue;
      up.retired = true;
      if (up.owner === undefined) up.socket.destroy();
    }
  }

  /** Connections open now (tests and the listener's count). */
  get size(): number {
    return this.#all.size;
  }

  destroy(): void {
    for (const up of this.#all) up.socket.destroy();
    this.#all.clear();
    this.#idle.clear();
    this.#stopSweep();
  }

  #startSweep(): void {
    if (this.#sweep !== undefined) return;
    this.nowMs = performance.now();
    this.#sweep = setInterval(() => this.#check(), this.#sweepMs);
    this.#sweep.unref();
  }

  #stopSweep(): void {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
  }

  #check(): void {
    this.nowMs = performance.now();
    if (this.#all.size === 0) return this.#stopSweep();
    const t = this.timeouts;
    for (const up of this.#all) {
      const quietMs = this.nowMs - up.activeAtMs;
      if (!up.connected) {
        if (quietMs >= t.connectTimeoutMs) up.socket.destroy(new ConnectTimeout('connect timed out'));
      } else if (up.owner === undefined) {
        if (quietMs >= t.idleMs) up.socket.destroy();
      } else if (quietMs >= t.responseTimeoutMs) {
        up.owner.onUpstreamTimeout(up);
      } else if (up.heldUntilMs !== undefined && this.nowMs >= up.heldUntilMs) {
        up.owner.onUpstreamHeldLong(up);
      }
    }
  }
}
