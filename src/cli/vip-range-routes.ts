import { parseCidr, routeClash, routeWords, type HostRoute } from '../discovery/index.js';
import { readBridges, readHostRoutes } from '../stats/index.js';

// The manager's --vip-range against its own host's routes, at start: warned of, not refused. The
// virtual IPs are bound on the proxies' hosts, which refuse a routed one themselves; the manager's
// host is often one of them, or in the same LAN or cloud network. Routes out of bridges are left
// out: Docker's networks and Poseidon's own are bridges (a worker's subnet holds the VIP range by
// design), and the manager cannot tell its cluster's bridge from another's.

/** The warning for `range` on these routes, or undefined when no route but a bridge's holds any of it. */
export function vipRangeRouted(
  range: string,
  routes: readonly HostRoute[],
  bridges: readonly string[],
): string | undefined {
  const route = routeClash(parseCidr(range), routes, bridges);
  if (route === undefined) return undefined;
  return (
    `--vip-range ${range} overlaps ${routeWords(route)} of this host: a proxy on a host that routes it does not ` +
    "add those VIPs; start the manager with a --vip-range no host of the cluster routes, inside the workers' --subnet"
  );
}

/** vipRangeRouted on this host's routes and bridges; undefined too when they cannot be read (a warning only). */
export async function readVipRangeRouted(range: string): Promise<string | undefined> {
  try {
    return vipRangeRouted(range, await readHostRoutes('/proc'), await readBridges('/sys'));
  } catch {
    return undefined;
  }
}
