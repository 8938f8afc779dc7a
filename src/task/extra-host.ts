import { isIP } from 'node:net';
import { extraHostParts, HOST_GATEWAY } from './container-rules.js';

// An /etc/hosts entry checked in full, its address by Node's isIP: apart from container-rules.ts,
// which the web console bundles and which therefore loads nothing of Node's.

/**
 * An /etc/hosts entry as `docker run --add-host` takes it (`db:10.0.0.5`, `db=10.0.0.5`,
 * `v6:2001:db8::1`, `gw:host-gateway`), as `NAME:ADDRESS`; undefined when it is not one.
 */
export function normalExtraHost(text: string): string | undefined {
  const entry = extraHostParts(text);
  if (entry === undefined) return undefined;
  if (entry.address !== HOST_GATEWAY && isIP(entry.address) === 0) return undefined;
  return `${entry.name}:${entry.address}`;
}
