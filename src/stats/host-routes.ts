import { join } from 'node:path';
import type { HostRoute } from '../discovery/index.js';
import { addressOf } from './held-ports.js';
import { readProcTable } from './proc-file.js';

// The host's IPv4 routes, from /proc/net/route (the main table, which holds the route of every
// interface address too): the blocks a new bridge network must not overlap (a network on one
// would take traffic meant for that route), as Docker's libnetwork checked before it picked a
// subnet of its own, and that a service's virtual IP must not lie in.

/**
 * The routes in the text of /proc/net/route, each its destination block ("10.1.0.0/16") and
 * interface, but the default route (0.0.0.0/0) and rows whose mask is not a prefix. Throws on a
 * row it cannot read.
 */
export function parseRouteTable(text: string): HostRoute[] {
  const routes = new Map<string, HostRoute>();
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const cols = line.split(/\s+/);
    const destination = addressOf(cols[1] ?? '');
    const mask = addressOf(cols[7] ?? '');
    if (destination === null || mask === null || !destination.includes('.'))
      throw new Error(`line ${i + 1} is not a route: ${JSON.stringify(line.slice(0, 80))}`);
    const prefix = prefixOf(mask);
    if (prefix === null || prefix === 0) continue;
    const route = { block: `${destination}/${prefix}`, dev: cols[0] as string };
    routes.set(`${route.block} ${route.dev}`, route); // one per block and interface: metrics aside
  }
  return [...routes.values()];
}

/** 255.255.240.0 → 20; null for a mask whose ones are not all first. */
function prefixOf(mask: string): number | null {
  const bits = mask
    .split('.')
    .map((octet) => Number(octet).toString(2).padStart(8, '0'))
    .join('');
  const prefix = bits.indexOf('0') < 0 ? 32 : bits.indexOf('0');
  return bits.slice(prefix).includes('1') ? null : prefix;
}

/**
 * The host's IPv4 routes (parseRouteTable) in this network namespace; none where there is
 * no /proc/net/route (not Linux). One that cannot be read or parsed rejects naming the file.
 */
export async function readHostRoutes(procRoot = '/proc'): Promise<HostRoute[]> {
  return (await readProcTable(join(procRoot, 'net', 'route'), parseRouteTable)) ?? [];
}
