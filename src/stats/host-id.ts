import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';

/**
 * This machine's identity, as workers on it report it (`--host-id` overrides it): a hash of
 * /etc/machine-id (systemd's; the file is not to be shown as it is, so only its hash leaves the
 * machine), else of the host name. Workers that share a machine share it; their proxy then
 * reaches each other's containers directly instead of through the tunnel.
 */
export async function readHostId(machineIdFile = '/etc/machine-id'): Promise<string> {
  let source: string;
  try {
    source = (await readFile(machineIdFile, 'utf8')).trim();
  } catch {
    source = '';
  }
  if (source === '') source = `hostname:${hostname()}`;
  return createHash('sha256').update(source).digest('hex').slice(0, 32);
}
