import { isWildcardIp, normalHostIp, withHostIp } from './host-ip.js';
import type { Protocol } from './spec.js';

// A host port as placement counts it: per (address, port, protocol), as the kernel and Docker
// do. `8080/tcp` is the port on every address (no host address, or 0.0.0.0 or ::); `127.0.0.1:8080/tcp`
// and `[::1]:8080/tcp` are the port on that one address. No TypeBox here: the worker, the
// scheduler and the spec parser share it.

/** The key of a host port: `"8080/tcp"` on every address, `"127.0.0.1:8080/tcp"` on one. */
export function hostPortKey(hostPort: number, protocol: Protocol, hostIp?: string): string {
  const bare = `${hostPort}/${protocol}`;
  if (hostIp === undefined || hostIp === '') return bare;
  const ip = normalHostIp(hostIp) ?? hostIp;
  return isWildcardIp(ip) ? bare : withHostIp(ip, bare);
}

/**
 * The key in `held` that a port with key `key` cannot be bound beside, or undefined when it can: the
 * same key; the port on every address, for one on one address; the port on any address, for one on
 * every address. `127.0.0.1:8080/tcp` and `127.0.0.2:8080/tcp` go together, as Docker binds both.
 */
export function heldBeside(held: ReadonlySet<string>, key: string): string | undefined {
  if (held.has(key)) return key;
  // the port's colon is the last one: `[::1]:8080/tcp`
  const colon = key.lastIndexOf(':');
  if (colon >= 0) {
    const everywhere = key.slice(colon + 1);
    return held.has(everywhere) ? everywhere : undefined;
  }
  if (held.size === 0) return undefined;
  const onOne = `:${key}`;
  for (const other of held) if (other.endsWith(onOne)) return other;
  return undefined;
}
