import { join } from 'node:path';
import { addressOf } from './held-ports.js';
import { readProcTable } from './proc-file.js';

// The host's IPv4 routes, from /proc/net/route: the blocks a new bridge network must not
// overlap (a network on one would take traffic meant for that route), as Docker's libnetwork
// checked before it picked a subnet of its own.

/**
 * The destination blocks of the routes in the text of /proc/net/route, as "10.1.0.0/16", but the
 * default route (0.0.0.0/0) and rows whose mask is not a prefix. Throws on a row it cannot read.
 */
export function parseRouteTable(text: string): string[] {
  const blocks = new Set<string>();
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
    blocks.add(`${destination}/${prefix}`);
  }
  return [...blocks];
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
 * The host's IPv4 route blocks (parseRouteTable) in this network namespace; none where there is
 * no /proc/net/route (not Linux). One that cannot be read or parsed rejects naming the file.
 */
export async function readHostRoutes(procRoot = '/proc'): Promise<string[]> {
  return (await readProcTable(join(procRoot, 'net', 'route'), parseRouteTable)) ?? [];
}
