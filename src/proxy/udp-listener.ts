import { createSocket, type RemoteInfo, type Socket as DgramSocket } from 'node:dgram';
import { once } from 'node:events';
import { isIP } from 'node:net';
import type { Clock } from '../clock/index.js';
import type { PortContext } from './port-context.js';
import { UdpFlow, type FlowOwner } from './udp-flow.js';
import type { UdpTallies } from './udp-metrics.js';
import { untilListening } from './until-listening.js';

/**
 * A udp flow with no datagram either way for this long ends (its replica socket or tunnel closes);
 * the client's next datagram begins a new one. As conntrack's udp timeouts, in the tens of seconds.
 */
export const DEFAULT_UDP_IDLE_MS = 30_000;
/** Flows one udp port holds at most; a new one past it ends the one idle longest. */
export const DEFAULT_UDP_MAX_FLOWS = 4_096;

export interface UdpLimits {
  idleMs: number;
  maxFlows: number;
}

const NONE_TRIED: ReadonlySet<string> = new Set();

/**
 * One udp socket on a virtual IP and port, and its flows: a flow is one client address and port,
 * sent to the replica its first datagram picked (a ready one, never a draining one) until it has
 * been idle `idleMs`, or its replica left the service's endpoints. Replies go back to the client
 * from VIP:port.
 */
export class UdpPortListener implements FlowOwner {
  readonly mode = 'udp';
  /** Flows by client address and port, the one idle longest first (each datagram moves its flow last). */
  readonly #flows = new Map<string, UdpFlow>();
  readonly #tallies: UdpTallies;
  #cancelSweep: (() => void) | undefined;
  #closed = false;

  private constructor(
    readonly ctx: PortContext,
    private readonly socket: DgramSocket,
    private readonly limits: UdpLimits,
    private readonly clock: Clock,
  ) {
    this.#tallies = ctx.metrics.udp.of(ctx.service);
  }

  static async open(host: string, ctx: PortContext, limits: UdpLimits, clock: Clock): Promise<UdpPortListener> {
    const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
    try {
      await untilListening(socket, () => socket.bind({ address: host, port: ctx.port, exclusive: true }));
    } catch (err) {
      socket.close();
      throw err;
    }
    const listener = new UdpPortListener(ctx, socket, limits, clock);
    socket.on('message', (d: Buffer, from: RemoteInfo) => listener.#onMessage(d, from));
    socket.on('error', (err) => ctx.log.error({ err, service: ctx.service, port: ctx.port }, 'udp listener failed'));
    return listener;
  }

  /** Flows open now. */
  get openSockets(): number {
    return this.#flows.size;
  }

  /** Ends the flows of replicas no longer among the service's endpoints (a draining one keeps its flows). */
  retain(taskIds: ReadonlySet<string>): void {
    for (const flow of this.#flows.values()) if (!taskIds.has(flow.taskId)) flow.end();
  }

  /** Unbinds and ends every flow: a udp port has no connection to let finish on its own. */
  async destroy(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelSweep?.();
    for (const flow of this.#flows.values()) flow.end();
    const closed = once(this.socket, 'close');
    this.socket.close();
    await closed;
  }

  reply(flow: UdpFlow, datagram: Buffer): void {
    if (this.#closed) return;
    this.#touch(flow);
    this.socket.send(datagram, flow.client.port, flow.client.address, this.#sent);
  }

  ended(flow: UdpFlow): void {
    if (this.#flows.get(flow.key) === flow) this.#flows.delete(flow.key);
  }

  readonly #sent = (err: Error | null): void => {
    if (err !== null) this.#tallies.dropped.failed += 1;
  };

  #onMessage(datagram: Buffer, from: RemoteInfo): void {
    if (this.#closed) return;
    const key = `${from.address}:${from.port}`;
    let flow = this.#flows.get(key);
    if (flow === undefined) {
      flow = this.#begin(key, from);
      if (flow === undefined) {
        this.#tallies.dropped.no_replica += 1;
        return;
      }
    }
    this.#touch(flow);
    flow.send(datagram);
  }

  #begin(key: string, from: RemoteInfo): UdpFlow | undefined {
    const target = this.ctx.settings.balancer.pick(this.ctx.ready(), NONE_TRIED);
    if (target === undefined) {
      this.ctx.log.debug({ service: this.ctx.service, port: this.ctx.port }, 'no replica for a udp flow');
      return undefined;
    }
    if (this.#flows.size >= this.limits.maxFlows) {
      const oldest = this.#flows.values().next().value;
      if (oldest !== undefined) {
        this.#tallies.evicted += 1;
        oldest.end();
      }
    }
    const flow = new UdpFlow(this.ctx, target, { address: from.address, port: from.port }, key, this.#tallies, this);
    if (this.#cancelSweep === undefined) this.#armSweep();
    return flow;
  }

  /** The flow was active now: it moves to the end of the idle order. */
  #touch(flow: UdpFlow): void {
    flow.lastActiveMs = this.clock.now();
    this.#flows.delete(flow.key);
    this.#flows.set(flow.key, flow);
  }

  /** One timer for the port: due when the flow idle longest would time out. */
  #armSweep(): void {
    const first = this.#flows.values().next().value;
    const dueMs = first === undefined ? this.limits.idleMs : first.lastActiveMs + this.limits.idleMs - this.clock.now();
    this.#cancelSweep = this.clock.setTimer(Math.max(0, dueMs), () => this.#sweep());
  }

  #sweep(): void {
    this.#cancelSweep = undefined;
    if (this.#closed) return;
    const now = this.clock.now();
    for (const flow of this.#flows.values()) {
      if (flow.lastActiveMs + this.limits.idleMs > now) break;
      flow.end();
    }
    if (this.#flows.size > 0) this.#armSweep();
  }
}
