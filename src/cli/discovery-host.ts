import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { currentTls, ManagerClient, type TlsSource } from '../client/index.js';
import { EndpointsFollower, EndpointTable, networkLayout } from '../discovery/index.js';
import { startDnsServer } from '../dns/index.js';
import { startProxy } from '../proxy/index.js';
import { readHostRoutes } from '../stats/index.js';
import { countFlag, portFlag } from './flags.js';

// `poseidon worker --proxy`: this worker is its host's discovery host. It follows the manager's
// endpoint stream with its node certificate into one EndpointTable, which the DNS server answers
// from and the proxy forwards by, and reports the revision they serve. One per host: a host may
// run several workers, but only one with --proxy.

export interface DiscoveryOptions {
  /** `--dns-port`: the DNS server on 127.0.0.1 (0 picks a free port, logged). */
  dnsPort: number;
  /** `--dns-ttl`, seconds. */
  dnsTtl: number;
  /** False with `--no-recursion`. */
  recursion: boolean;
  /** `--proxy-timeout`: how long an http replica may stay silent on a request, ms. */
  proxyTimeoutMs: number;
  /** `--proxy-udp-timeout`: how long a udp flow may stay idle, ms. */
  proxyUdpTimeoutMs: number;
}

export interface DiscoveryHostDeps {
  managerUrl: string;
  /**
   * The node's certificate (renewed in place), trusting a manager certificate of its cluster only;
   * the proxy's tunnels to other hosts' workers show it too (trusting a worker certificate there).
   */
  tls: TlsSource;
  /** This machine (the worker's --host-id): replicas of workers on other machines are reached through them. */
  hostId: string;
  /** The Poseidon network tasks join: containers reach the DNS server on its gateway, port 53. */
  network: { name: string; subnet: string } | undefined;
  metrics: Registry;
  log: Logger;
}

export interface DiscoveryHost {
  /** The Poseidon network was made again: the virtual IPs go back on its bridge. */
  networkRestored(): Promise<void>;
  close(): Promise<void>;
}

export async function startDiscoveryHost(opts: DiscoveryOptions, deps: DiscoveryHostDeps): Promise<DiscoveryHost> {
  const table = new EndpointTable();
  const gateway = deps.network === undefined ? undefined : networkLayout(deps.network.subnet).gateway;
  const dns = await startDnsServer({
    table,
    log: deps.log.child({ component: 'dns' }),
    listen: [{ host: '127.0.0.1', port: opts.dnsPort }],
    later: gateway === undefined ? [] : [{ host: gateway, port: 53 }],
    ttl: opts.dnsTtl,
    recursion: opts.recursion,
    registry: deps.metrics,
  });
  // without a Poseidon network there is no bridge to put the virtual IPs on: DNS only
  const proxy =
    deps.network === undefined
      ? undefined
      : await startProxy({
          table,
          network: deps.network.name,
          // a VIP this host routes elsewhere (the manager's --vip-range on a LAN or VPN) is not added
          hostRoutes: () => readHostRoutes('/proc'),
          logger: deps.log.child({ component: 'proxy' }),
          registry: deps.metrics,
          responseTimeoutMs: opts.proxyTimeoutMs,
          udp: { idleMs: opts.proxyUdpTimeoutMs },
          mesh: { hostId: deps.hostId, tls: () => currentTls(deps.tls) },
        }).catch(async (err: unknown) => {
          await dns.close();
          throw err;
        });
  const follower = new EndpointsFollower({
    source: new ManagerClient(deps.managerUrl, 5_000, { tls: deps.tls }),
    table,
    log: deps.log.child({ component: 'endpoints' }),
    ...(proxy === undefined ? {} : { openConnections: () => proxy.openConnections() }),
  });
  // a draining endpoint's last connection closed: the manager may stop it now, so say so at once
  proxy?.on('drained', () => follower.nudge());
  follower.start();
  return {
    networkRestored: async () => proxy?.restoreVips(),
    async close() {
      await follower.stop();
      await proxy?.close();
      await dns.close();
    },
  };
}

/** `--dns-port`, `--dns-ttl` and `--no-recursion` as given on the command line. */
export interface DnsFlags {
  dnsPort: string;
  dnsTtl: string;
  /** commander's --no-recursion: false. */
  recursion: boolean;
  proxyTimeout: string;
  proxyUdpTimeout: string;
}

export function discoveryFlags(flags: DnsFlags): DiscoveryOptions {
  return {
    dnsPort: portFlag('--dns-port', flags.dnsPort),
    dnsTtl: countFlag('--dns-ttl', flags.dnsTtl, 0, 86_400),
    recursion: flags.recursion,
    proxyTimeoutMs: countFlag('--proxy-timeout', flags.proxyTimeout, 1, 86_400) * 1000,
    proxyUdpTimeoutMs: countFlag('--proxy-udp-timeout', flags.proxyUdpTimeout, 1, 86_400) * 1000,
  };
}
