import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// The host's Linux bridges, from /sys/class/net: Docker's networks and Poseidon's own are bridges;
// a LAN's, a VPN's or a cloud network's interface is not.

/** The interfaces of `sysRoot`/class/net that are bridges (a `bridge` dir in each); none where there is no such dir. */
export async function readBridges(sysRoot = '/sys'): Promise<string[]> {
  const dir = join(sysRoot, 'class', 'net');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`cannot read ${dir}: ${(err as Error).message}`, { cause: err });
  }
  return names.filter((name) => existsSync(join(dir, name, 'bridge'))).sort();
}
