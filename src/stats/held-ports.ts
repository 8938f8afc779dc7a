import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { join } from 'node:path';
import { isLoopbackIp } from '../task/host-ip.js';
import { hostPortKey } from '../task/host-port-key.js';
import { readProcTable } from './proc-file.js';

/**
 * The host ports something on this machine holds, from the socket tables of /proc/net: TCP
 * sockets that listen and UDP sockets bound without a peer (a server's). A container that asks
 * to publish one of these by number cannot bind it: Docker answers "address already in use" or
 * "port is already allocated" (its docker-proxy listens on each port it publishes).
 */

/** A socket that holds a port: its local address (IPv4, or IPv6 when not IPv4-mapped) and port. */
export interface HeldSocket {
  address: string;
  port: number;
}

/** TCP_LISTEN and TCP_CLOSE (an unconnected UDP socket) as /proc/net prints them. */
const HELD_STATE = { tcp: '0A', udp: '07' } as const;

/**
 * The sockets in the text of /proc/net/tcp, tcp6, udp or udp6 that hold a port for good:
 * listening (tcp) or bound with no peer (udp). Throws on a line that is not a socket table row.
 */
export function parseHeldSockets(text: string, protocol: 'tcp' | 'udp'): HeldSocket[] {
  const held: HeldSocket[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const cols = line.split(/\s+/);
    const local = cols[1];
    const state = cols[3];
    const colon = local?.indexOf(':') ?? -1;
    if (local === undefined || state === undefined || colon < 0)
      throw new Error(`line ${i + 1} is not a socket: ${JSON.stringify(line.slice(0, 80))}`);
    if (state !== HELD_STATE[protocol]) continue;
    const address = addressOf(local.slice(0, colon));
    const port = Number.parseInt(local.slice(colon + 1), 16);
    if (address === null || !/^[0-9A-Fa-f]{4}$/.test(local.slice(colon + 1)))
      throw new Error(`line ${i + 1} has no address and port: ${JSON.stringify(local)}`);
    if (port > 0) held.push({ address, port });
  }
  return held;
}

/**
 * An address as /proc/net prints it: 8 hex digits (IPv4, in the host's byte order, little-endian
 * here) or 32 (IPv6, four such words). IPv4-mapped IPv6 comes back as IPv4. Null if neither.
 */
export function addressOf(hex: string): string | null {
  if (!/^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32})$/.test(hex)) return null;
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8)
    for (let b = 6; b >= 0; b -= 2) bytes.push(Number.parseInt(hex.slice(w + b, w + b + 2), 16));
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let g = 0; g < 16; g += 2) groups.push((((bytes[g] as number) << 8) | (bytes[g + 1] as number)).toString(16));
  return groups.join(':');
}

const WILDCARDS = new Set(['0.0.0.0', '0:0:0:0:0:0:0:0', '::', '']);

/**
 * Whether a socket bound to `address` keeps Docker from publishing on `publishIp` at the same
 * port: either one is a wildcard (on Linux `::` takes IPv4 too), or they are the same address.
 */
export function blocksPublish(address: string, publishIp: string): boolean {
  if (WILDCARDS.has(address) || WILDCARDS.has(publishIp)) return true;
  if (isIPv4(address) && isIPv4(publishIp)) return address === publishIp;
  if (isIPv6(address) && isIPv6(publishIp)) {
    const same = new BlockList();
    same.addAddress(publishIp, 'ipv6');
    return same.check(address, 'ipv6');
  }
  return false;
}

const TABLES = [
  ['tcp', 'tcp'],
  ['tcp6', 'tcp'],
  ['udp', 'udp'],
  ['udp6', 'udp'],
] as const;

/**
 * The host ports held on this machine's network namespace that a container this worker publishes
 * could not bind, as `"8080/tcp"` for a socket on every address and `"127.0.0.1:8080/tcp"`,
 * `"[::1]:8080/tcp"` for one on one address (hostPortKey), in port order. Those are the sockets that
 * block publishing on `publishIp` (the worker's --host; every socket when it is a wildcard), and
 * those on a loopback address, which a port with that host address takes on any worker: with
 * `--host 10.0.0.5`, a process on `127.0.0.1:8080` keeps a task that asks `127.0.0.1:8080` away. A
 * table that does not exist (no IPv6) holds none; one that cannot be read or parsed rejects with an
 * Error naming the file (readProcTable).
 */
export async function readHeldPorts(procRoot = '/proc', publishIp = '0.0.0.0'): Promise<string[]> {
  const held = new Map<string, number>();
  for (const [table, protocol] of TABLES) {
    const sockets = await readProcTable(join(procRoot, 'net', table), (text) => parseHeldSockets(text, protocol));
    if (sockets === undefined) continue;
    for (const s of sockets) {
      if (!blocksPublish(s.address, publishIp) && !isLoopbackIp(s.address)) continue;
      held.set(hostPortKey(s.port, protocol, WILDCARDS.has(s.address) ? undefined : s.address), s.port);
    }
  }
  return [...held].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).map(([key]) => key);
}
