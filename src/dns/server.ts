import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { DNS_ZONE, DEFAULT_DNS_TTL } from '../discovery/defaults.js';
import type { DnsTable } from './answer.js';
import { Forwarder } from './forwarder.js';
import { DnsMetrics } from './metrics.js';
import { QueryHandler, type QueryCounts } from './queries.js';
import { readResolvConf, type ResolvConf } from './resolv-conf.js';
import { DEFAULT_TCP_LIMITS, listenTcp, type TcpLimits } from './tcp-listener.js';
import { listenUdp } from './udp-listener.js';

export interface DnsAddress {
  host: string;
  port: number;
}

export interface DnsServerOptions {
  /** The host's endpoint table (src/discovery): the only source of answers in the zone. */
  table: DnsTable;
  log: Logger;
  /** Must be listened on (UDP and TCP), or the start fails: 127.0.0.1:--dns-port. Port 0 picks one. */
  listen: DnsAddress[];
  /**
   * Listened on once they can be: the Poseidon network's gateway, port 53, for containers. The
   * bridge may not exist yet when the server starts (the worker creates it), so a failed bind
   * is tried again every `retryMs` until it succeeds or the server closes.
   */
  later?: DnsAddress[];
  /** `--dns-ttl`, seconds. */
  ttl?: number;
  /** False with `--no-recursion`: names outside the zone are REFUSED. */
  recursion?: boolean;
  zone?: string;
  /** Where the host's resolvers are listed. */
  resolvConfPath?: string;
  /** The resolvers to forward to, instead of reading resolv.conf (a test's fake upstream). */
  upstream?: ResolvConf;
  tcp?: Partial<TcpLimits>;
  retryMs?: number;
  /** Where the server's series go (the worker's registry, served on its /metrics); none when absent. */
  registry?: Registry;
}

export interface DnsServer {
  /** The `listen` addresses as bound (port 0 resolved), in order. */
  readonly addresses: DnsAddress[];
  readonly counts: QueryCounts;
  /** Resolves once every `later` address is listened on (tests wait on it). */
  listeningLater(): Promise<void>;
  close(): Promise<void>;
}

interface Listener {
  close(): Promise<void>;
}

const RETRY_MS = 1_000;
/** With port 0, how many UDP ports to try for one whose TCP port is free too. */
const PORT_ZERO_TRIES = 5;

/** Starts the host's DNS server: UDP and TCP on each address, answers from `table`. */
export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const log = opts.log;
  const recursion = opts.recursion ?? true;
  const resolvers = recursion ? (opts.upstream ?? (await readResolvConf(opts.resolvConfPath))) : undefined;
  if (resolvers !== undefined && resolvers.servers.length === 0)
    log.warn({ path: opts.resolvConfPath ?? '/etc/resolv.conf' }, 'no nameserver to forward to: other names fail');
  const forwarder = resolvers === undefined ? undefined : new Forwarder(resolvers);
  const zone = opts.zone ?? DNS_ZONE;
  const metrics = opts.registry === undefined ? undefined : new DnsMetrics(opts.registry);
  const answers = { zone, ttl: opts.ttl ?? DEFAULT_DNS_TTL, recursion };
  const handler = new QueryHandler(opts.table, answers, forwarder, log, metrics);
  const tcpLimits = { ...DEFAULT_TCP_LIMITS, ...opts.tcp };
  const listeners: Listener[] = [];
  const closing = new AbortController();

  const listenBoth = async (at: DnsAddress): Promise<DnsAddress> => {
    for (let attempt = 1; ; attempt += 1) {
      const udp = await listenUdp(at.host, at.port, handler, log);
      try {
        // TCP on the port UDP got, so port 0 gives one port for both
        const tcp = await listenTcp(at.host, udp.port, handler, log, tcpLimits);
        listeners.push(udp, tcp);
        return { host: at.host, port: udp.port };
      } catch (err) {
        await udp.close();
        // port 0: the port UDP got may be one a TCP socket holds (an outgoing connection's, say): another
        if (at.port !== 0 || codeOf(err) !== 'EADDRINUSE' || attempt >= PORT_ZERO_TRIES) throw err;
      }
    }
  };

  try {
    const addresses: DnsAddress[] = [];
    for (const at of opts.listen) addresses.push(await listenBoth(at));
    const later = (opts.later ?? []).map(async (at) => {
      for (let attempt = 0; !closing.signal.aborted; attempt += 1) {
        try {
          await listenBoth(at);
          log.info({ host: at.host, port: at.port }, 'DNS server listening for containers');
          return;
        } catch (err) {
          if (attempt === 0)
            log.warn({ host: at.host, port: at.port, code: codeOf(err) }, 'DNS address not ready; retrying');
          await sleep(opts.retryMs ?? RETRY_MS, undefined, { signal: closing.signal }).catch(() => undefined);
        }
      }
    });
    log.info({ addresses, zone, recursion }, 'DNS server listening');
    return {
      addresses,
      counts: handler.counts,
      listeningLater: async () => {
        await Promise.all(later);
      },
      async close() {
        closing.abort();
        await Promise.all(later);
        await Promise.all(listeners.map((l) => l.close()));
      },
    };
  } catch (err) {
    closing.abort();
    await Promise.all(listeners.map((l) => l.close()));
    throw err;
  }
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
