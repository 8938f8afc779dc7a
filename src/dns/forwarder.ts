import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIPv6, connect, type Socket as TcpSocket } from 'node:net';
import type { Upstream } from './resolv-conf.js';

// Names outside the zone go to the host's resolvers as they came (the client's bytes and id),
// each server in turn until one answers within the timeout. One socket per forwarded query, so
// an answer is matched by the socket it arrives on and its id, and a stray datagram from
// anyone else is never taken for it. At most `maxInFlight` at once: beyond that the caller
// answers SERVFAIL at once rather than queueing without bound.

export interface ForwarderOptions {
  servers: readonly Upstream[];
  timeoutMs: number;
  maxInFlight?: number;
}

const DEFAULT_MAX_IN_FLIGHT = 256;
const MAX_ANSWER_BYTES = 65_535;
const TC = 1 << 9;

export class Forwarder {
  #inFlight = 0;
  readonly #maxInFlight: number;
  constructor(private readonly opts: ForwarderOptions) {
    this.#maxInFlight = opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  }

  /**
   * The upstream answer's bytes (its id is the query's), or null when no server answered in time
   * or too many are in flight. Over `tcp` (the client asked over TCP) a truncated UDP answer is
   * asked again over TCP.
   */
  async forward(query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | null> {
    if (this.#inFlight >= this.#maxInFlight) return null;
    this.#inFlight += 1;
    try {
      for (const server of this.opts.servers) {
        const answer = await askUdp(server, query, this.opts.timeoutMs).catch(() => null);
        if (answer === null) continue;
        if (transport === 'tcp' && ((answer[2] ?? 0) << 8) & TC) {
          const full = await askTcp(server, query, this.opts.timeoutMs).catch(() => null);
          if (full !== null) return full;
        }
        return answer;
      }
      return null;
    } finally {
      this.#inFlight -= 1;
    }
  }
}

function askUdp(server: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket: UdpSocket = createSocket(isIPv6(server.host) ? 'udp6' : 'udp4');
    const id = query.readUInt16BE(0);
    const done = (answer: Buffer | null): void => {
      clearTimeout(timer);
      socket.close();
      resolve(answer);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('error', () => done(null));
    socket.on('message', (msg) => {
      if (msg.length >= 12 && msg.readUInt16BE(0) === id) done(msg);
    });
    // connected: the kernel drops datagrams from any other address or port
    socket.connect(server.port, server.host, () => socket.send(query));
  });
}

function askTcp(server: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket: TcpSocket = connect({ host: server.host, port: server.port });
    let buffered = Buffer.alloc(0);
    const done = (answer: Buffer | null): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('error', () => done(null));
    socket.on('close', () => done(null));
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(query.length);
      socket.write(Buffer.concat([length, query]));
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > MAX_ANSWER_BYTES + 2) return done(null);
      if (buffered.length < 2) return;
      const size = buffered.readUInt16BE(0);
      if (buffered.length >= size + 2) done(buffered.subarray(2, size + 2));
    });
  });
}
