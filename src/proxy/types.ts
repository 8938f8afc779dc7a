// What the proxy takes and gives: its options and its handle.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ClientTls } from '../client/tls.js';
import type { Clock } from '../clock/index.js';
import type { EndpointTable, HostRoute } from '../discovery/index.js';

/** Adds and removes a virtual IP on the host; the default runs `ip addr add|del VIP/32 dev <network>`. */
export interface VipAddresses {
  add(vip: string): Promise<void>;
  remove(vip: string): Promise<void>;
}

export interface ProxyOptions {
  /** The host's copy of the endpoint table; the proxy follows its `change` events. */
  table: EndpointTable;
  /** The Poseidon bridge network (also the Linux bridge's name) the virtual IPs are added to. */
  network: string;
  logger: Logger;
  /** Where the proxy's counters go (the worker's registry); a private one when absent. */
  registry?: Registry;
  clock?: Clock;
  /** Replaces the `ip addr` calls (tests that bind loopback addresses instead of bridge ones). */
  vips?: VipAddresses;
  /**
   * The host's routes (stats' readHostRoutes): a virtual IP one of them holds, but those out of
   * `network`'s bridge, is not added (routed-vips.ts). Absent: none is checked.
   */
  hostRoutes?: () => Promise<readonly HostRoute[]>;
  /** A connect to a replica that takes longer fails and moves on (default 1000). */
  connectTimeoutMs?: number;
  /**
   * http mode: a replica silent this long on a request (no byte of an answer, or of a body being
   * sent) gets a 504 answered for it; an idempotent request without a body goes to another
   * replica first (default 60000, as nginx's proxy_read_timeout).
   */
  responseTimeoutMs?: number;
  /** Replicas tried for one connection or request, at most (default 3). */
  maxAttempts?: number;
  /** Failed connects in a row that set a replica aside (default 3), and for how long (default 10 s). */
  setAside?: { failuresInRow: number; setAsideMs: number };
  /**
   * The mesh: this proxy's machine (its worker's `--host-id`), and the worker's node certificate.
   * A replica whose endpoint names another host is reached through its worker's tunnel; absent:
   * every replica is connected to at its container address (one machine).
   */
  mesh?: { hostId: string; tls: () => ClientTls };
  /**
   * udp ports: a flow (one client address and port) idle this long ends (default 30000), and a
   * port holds this many flows at most, the one idle longest ended for a new one (default 4096).
   */
  udp?: { idleMs?: number; maxFlows?: number };
}

export interface Proxy {
  /**
   * Open connections (TCP), requests in flight (HTTP) or flows (UDP) per draining endpoint (task id), for the
   * `applied` report's `draining` field; a draining endpoint with none left is 0.
   */
  openConnections(): Record<string, number>;
  /** Emitted (once per endpoint) when a draining endpoint's last open connection has ended. */
  on(event: 'drained', listener: (taskId: string) => void): this;
  off(event: 'drained', listener: (taskId: string) => void): this;
  /**
   * Adds every virtual IP it serves again: the bridge they were on was made anew (the Poseidon
   * network was removed and made again). Its listeners stay bound to those addresses throughout.
   */
  restoreVips(): Promise<void>;
  /**
   * Stops listening, removes the virtual IPs it added (but those whose ports another proxy of the host
   * serves), and ends open connections. Idempotent.
   */
  close(): Promise<void>;
}
