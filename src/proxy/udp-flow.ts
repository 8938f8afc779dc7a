import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Target } from './balancer.js';
import { ConnectTimeout, connectFailed, type PortContext } from './port-context.js';
import { dialTunnel } from './tunnel-dial.js';
import { frame, FrameReader } from '../tunnel/udp-frames.js';
import type { UdpTallies } from './udp-metrics.js';

/** Datagrams held for a flow while its tunnel opens; more are dropped (`backlog`). */
const MAX_PENDING = 64;
/** Bytes a tunnel may have waiting to be written; a datagram past it is dropped, as a full queue would. */
const MAX_TUNNEL_BUFFER = 1 << 20;

/** What a flow tells its listener. */
export interface FlowOwner {
  /** A reply of the replica, to send back to the flow's client (from the port's VIP:port). */
  reply(flow: UdpFlow, datagram: Buffer): void;
  ended(flow: UdpFlow): void;
}

/**
 * One client's datagrams (one address and port) to one replica, and the replica's replies back: a
 * socket of its own towards the replica (a connected one, so only that replica's replies come), or
 * a udp tunnel through the replica's worker. A replica that refuses (an ICMP port unreachable)
 * before it ever answered, or a tunnel that did not open, counts as a failed connect; a tunnel
 * that did not open moves on to another replica with the datagrams it held.
 */
export class UdpFlow {
  /** The clock's time of the last datagram either way; the listener ends a flow idle too long. */
  lastActiveMs = 0;
  #target: Target;
  readonly #tried = new Set<string>();
  /** Datagrams waiting for the way to the replica to open; undefined once open. */
  #pending: Buffer[] | undefined = [];
  #direct: DgramSocket | undefined;
  #tunnel: TLSSocket | undefined;
  #answered = false;
  #ended = false;

  constructor(
    private readonly ctx: PortContext,
    target: Target,
    readonly client: { address: string; port: number },
    readonly key: string,
    private readonly tallies: UdpTallies,
    private readonly owner: FlowOwner,
  ) {
    this.#target = target;
    tallies.flows += 1;
    tallies.open += 1;
    this.#begin(target);
  }

  get taskId(): string {
    return this.#target.taskId;
  }

  /** Passes a client's datagram on (or holds it while the way to the replica opens). */
  send(datagram: Buffer): void {
    if (this.#pending !== undefined) {
      if (this.#pending.length < MAX_PENDING) this.#pending.push(datagram);
      else this.tallies.dropped.backlog += 1;
      return;
    }
    this.#deliver(datagram);
  }

  /** Ends the flow: its socket or tunnel closes; held datagrams are dropped. Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.tallies.dropped.failed += this.#pending?.length ?? 0;
    this.#pending = undefined;
    this.#closeWay();
    this.ctx.counts.close(this.#target.taskId, this.ctx.service);
    this.tallies.open -= 1;
    this.owner.ended(this);
  }

  #begin(target: Target): void {
    this.#tried.add(target.taskId);
    this.ctx.counts.open(target.taskId, this.ctx.service);
    const tls = target.via === undefined ? undefined : this.ctx.tunnelTls?.();
    if (target.via === undefined || tls === undefined) return this.#connectDirect(target);
    let opened = false;
    const tunnel = dialTunnel(
      { ...target, via: target.via },
      tls,
      {
        open: (socket, early) => {
          clearTimeout(timer);
          opened = true;
          this.#answered = true; // the tunnel is the connect: its worker reached the replica's port
          this.ctx.setAside.succeeded(target.key);
          const reader = new FrameReader((d) => this.#reply(d));
          if (early.length > 0) reader.push(early);
          socket.on('data', (chunk: Buffer) => reader.push(chunk));
          // the worker ended it (the replica refused, or the worker stops): nothing more comes back
          socket.once('end', () => this.end());
          socket.resume();
          this.#flush();
        },
      },
      'udp',
    );
    this.#tunnel = tunnel;
    const timer = setTimeout(() => tunnel.destroy(new ConnectTimeout('connect timed out')), this.ctx.connectTimeoutMs);
    tunnel.on('error', (err) => {
      clearTimeout(timer);
      if (!opened) this.#failed(target, err);
    });
    tunnel.once('close', () => {
      clearTimeout(timer);
      if (opened && this.#tunnel === tunnel) this.end();
    });
  }

  #connectDirect(target: Target): void {
    const socket = createSocket({ type: isIP(target.address) === 6 ? 'udp6' : 'udp4' });
    this.#direct = socket;
    socket.on('message', (d: Buffer) => this.#reply(d));
    socket.on('error', (err) => {
      if (this.#answered)
        this.end(); // it answered before: the replica went away
      else this.#failed(target, err);
    });
    socket.connect(target.port, target.address, () => this.#flush());
  }

  /** The way to `target` failed before the replica answered: counted, then another replica or the end. */
  #failed(target: Target, err: Error): void {
    if (this.#ended) return;
    connectFailed(this.ctx, target, err);
    const next =
      this.#pending !== undefined && this.#tried.size < this.ctx.maxAttempts
        ? this.ctx.settings.balancer.pick(this.ctx.ready(), this.#tried)
        : undefined;
    if (next === undefined) return this.end();
    this.ctx.metrics.retries.inc({ service: this.ctx.service });
    this.#closeWay();
    this.ctx.counts.close(target.taskId, this.ctx.service);
    this.#target = next;
    this.#begin(next);
  }

  #flush(): void {
    const pending = this.#pending;
    if (pending === undefined || this.#ended) return;
    this.#pending = undefined;
    for (const d of pending) this.#deliver(d);
  }

  #deliver(datagram: Buffer): void {
    if (this.#direct !== undefined) {
      this.#direct.send(datagram); // a failure comes as the socket's 'error'
    } else if (this.#tunnel !== undefined) {
      if (this.#tunnel.writableLength > MAX_TUNNEL_BUFFER) {
        this.tallies.dropped.backlog += 1;
        return;
      }
      this.#tunnel.write(frame(datagram));
    }
    this.tallies.in += 1;
  }

  #reply(datagram: Buffer): void {
    if (this.#ended) return;
    if (!this.#answered) {
      this.#answered = true;
      this.ctx.setAside.succeeded(this.#target.key);
    }
    this.tallies.out += 1;
    this.owner.reply(this, datagram);
  }

  #closeWay(): void {
    const direct = this.#direct;
    this.#direct = undefined;
    if (direct !== undefined) {
      direct.removeAllListeners('message');
      direct.on('error', () => {}); // one that comes while it closes is of no use to anyone
      direct.close();
    }
    const tunnel = this.#tunnel;
    this.#tunnel = undefined;
    tunnel?.destroy();
  }
}
