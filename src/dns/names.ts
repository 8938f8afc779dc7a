import { isIPv4 } from 'node:net';

// The names the DNS server answers for, read from a question's name. Service names and port
// names are DNS labels (lowercase), so a name is compared in lowercase; an answer echoes the name
// as it was asked (a resolver may randomize its case, RFC draft 0x20).

/** What a name inside the zone asks for. */
export type ZoneName =
  /** the zone's apex: SOA only */
  | { kind: 'apex' }
  /**
   * `<service>.<zone>`: the virtual IP; also `<name>.<stack>.<zone>` for a Compose stack's service
   * `<stack>-<name>`, which a stack's containers reach as `<name>` through their search domain
   */
  | { kind: 'service'; service: string }
  /**
   * `tasks.<service>.<zone>`: every ready replica's address; also `tasks.<name>.<stack>.<zone>` for
   * a Compose stack's service `<stack>-<name>` (a stack's containers ask `tasks.<name>`)
   */
  | { kind: 'tasks'; service: string }
  /** `<a-b-c-d>.tasks.<service>.<zone>`: one ready replica, by its address (the target of SRV records) */
  | { kind: 'replica'; service: string; address: string }
  /** `_<port>._<proto>.<service>.<zone>`: SRV */
  | { kind: 'srv'; service: string; port: string; protocol: 'tcp' | 'udp' }
  /** anything else under the zone: NXDOMAIN */
  | { kind: 'unknown' };

/** Where a name sits: in the zone, a reverse name of an IPv4 address, or elsewhere (forwarded). */
export type ParsedName = { in: 'zone'; name: ZoneName } | { in: 'reverse'; address: string } | { in: 'other' };

const REVERSE_SUFFIX = '.in-addr.arpa';

export function parseName(asked: string, zone: string): ParsedName {
  const name = asked.toLowerCase().replace(/\.$/, '');
  if (name === zone) return { in: 'zone', name: { kind: 'apex' } };
  if (name.endsWith(`.${zone}`)) return { in: 'zone', name: zoneName(name.slice(0, -zone.length - 1).split('.')) };
  if (name.endsWith(REVERSE_SUFFIX)) {
    const octets = name.slice(0, -REVERSE_SUFFIX.length).split('.');
    const address = octets.reverse().join('.');
    if (octets.length === 4 && isIPv4(address)) return { in: 'reverse', address };
  }
  return { in: 'other' };
}

function zoneName(labels: string[]): ZoneName {
  const [a, b, c] = labels;
  if (labels.length === 1 && a !== undefined) return { kind: 'service', service: a };
  if (labels.length === 2 && a === 'tasks' && b !== undefined) return { kind: 'tasks', service: b };
  if (labels.length === 2 && a !== undefined && b !== undefined) return { kind: 'service', service: `${b}-${a}` };
  if (labels.length === 3 && a !== undefined && b !== undefined && c !== undefined) {
    if (a === 'tasks') return { kind: 'tasks', service: `${c}-${b}` };
    if (a.length > 1 && a.startsWith('_') && (b === '_tcp' || b === '_udp'))
      return { kind: 'srv', service: c, port: a.slice(1), protocol: b === '_tcp' ? 'tcp' : 'udp' };
    const address = b === 'tasks' ? addressOfLabel(a) : undefined;
    if (address !== undefined) return { kind: 'replica', service: c, address };
  }
  return { kind: 'unknown' };
}

/** `10.213.0.5` → `10-213-0-5`: a replica's own name, under `tasks.<service>`. */
export function labelOfAddress(address: string): string {
  return address.replaceAll('.', '-');
}

function addressOfLabel(label: string): string | undefined {
  const address = label.replaceAll('-', '.');
  return isIPv4(address) ? address : undefined;
}

/** `10.213.128.1` → `1.128.213.10.in-addr.arpa`. */
export function reverseName(address: string): string {
  return `${address.split('.').reverse().join('.')}${REVERSE_SUFFIX}`;
}
