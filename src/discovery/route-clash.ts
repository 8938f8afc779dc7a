import { parseCidr, type Cidr } from './cidr.js';
import { cidrOverlaps } from './subnet-pool.js';

// A block Poseidon would take (a worker's subnet, a service's virtual IP) that the host already
// routes elsewhere: a LAN, a VPN, a cloud network, another Docker network. A bridge or an address
// on it would take this host's traffic for that route, silently. Poseidon's own routes do not
// count: those out of its own bridge (named as its network), which hold its subnet and its VIPs.

/** A route of the host's main table: its destination block ("10.1.0.0/16") and the interface it goes out of. */
export interface HostRoute {
  block: string;
  dev: string;
}

/**
 * The first route that `block` overlaps, but the default route (0.0.0.0/0), routes out of one of
 * `ownDevs` (Poseidon's bridges) and blocks that are not IPv4.
 */
export function routeClash(
  block: Cidr,
  routes: readonly HostRoute[],
  ownDevs: readonly string[],
): HostRoute | undefined {
  return routes.find((r) => {
    if (ownDevs.includes(r.dev)) return false;
    const routed = ipv4Block(r.block);
    return routed !== undefined && routed.prefix > 0 && cidrOverlaps(block, routed);
  });
}

/** "the route 10.1.0.0/16 on eth1", for the line that refuses. */
export function routeWords(route: HostRoute): string {
  return `the route ${route.block} on ${route.dev}`;
}

/** An IPv4 block as written ("10.1.0.0/16"); undefined for IPv6, none, or not a block. */
export function ipv4Block(text: string | undefined): Cidr | undefined {
  if (text === undefined || !text.includes('.')) return undefined;
  try {
    return parseCidr(text);
  } catch {
    return undefined; // not a block Poseidon can overlap: nothing to avoid
  }
}
