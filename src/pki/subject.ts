import { isIP } from 'node:net';

// What a node certificate says, and how: its subject names the node (CN, a UUID) and its role
// (OU), its subject alternative names the addresses it may be reached at. Read on every
// connection, so nothing here loads the X.509 library.

/** A node's role in the cluster, as its certificate states it. */
export type CertRole = 'manager' | 'worker';

/** The organization every certificate of a Poseidon cluster carries. */
export const CLUSTER_ORGANIZATION = 'poseidon';

const NODE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The distinguished name of a node certificate. */
export function nodeSubject(nodeId: string, role: CertRole): string {
  return `CN=${nodeId}, OU=${role}, O=${CLUSTER_ORGANIZATION}`;
}

/**
 * The node a certificate subject names, from node:tls's parsed subject (`{ CN, OU, O }`);
 * undefined when it is not a node subject of ours.
 */
export function nodeOfSubject(subject: unknown): { nodeId: string; role: CertRole } | undefined {
  if (typeof subject !== 'object' || subject === null) return undefined;
  const { CN, OU, O } = subject as Record<string, unknown>;
  if (typeof CN !== 'string' || !NODE_ID.test(CN) || O !== CLUSTER_ORGANIZATION) return undefined;
  if (OU !== 'manager' && OU !== 'worker') return undefined;
  return { nodeId: CN, role: OU };
}

/** A subject alternative name for an address: an IP address or a DNS name. */
export function addressName(address: string): { type: 'ip' | 'dns'; value: string } {
  const bare = address.replace(/^\[(.*)\]$/, '$1');
  return isIP(bare) === 0 ? { type: 'dns', value: bare.toLowerCase() } : { type: 'ip', value: bare };
}

/**
 * The addresses in a subjectaltname string as node:tls and node:crypto give it
 * (`"IP Address:127.0.0.1, DNS:worker-1"`), lowercased.
 */
export function addressesOfAltNames(altNames: string | undefined): string[] {
  if (altNames === undefined) return [];
  const out: string[] = [];
  for (const part of altNames.split(', ')) {
    const m = /^(IP Address|DNS):(.+)$/.exec(part.trim());
    if (m?.[2] !== undefined) out.push(m[2].toLowerCase());
  }
  return out;
}

/** Whether the host of `url` is one of `addresses` (IPv6 hosts compared without brackets). */
export function urlHostIn(url: string, addresses: readonly string[]): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  } catch {
    return false;
  }
  return addresses.some((a) => sameAddress(a, host));
}

/** Whether two addresses are the same (IPv6 in any spelling, names in any case). */
export function sameAddress(a: string, b: string): boolean {
  const bare = (x: string): string => x.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return normalIp(bare(a)) === normalIp(bare(b));
}

/** IPv6 addresses in one spelling (node:tls writes them expanded, URLs compressed). */
function normalIp(address: string): string {
  if (isIP(address) !== 6) return address;
  try {
    return new URL(`http://[${address}]/`).hostname;
  } catch {
    return address;
  }
}
