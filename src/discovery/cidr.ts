// IPv4 CIDR blocks as discovery uses them: the Poseidon network's subnet (containers in its lower
// half, the gateway its first address) and the manager's virtual IP range.

/** An IPv4 block: its first address and size, as 32-bit unsigned numbers. */
export interface Cidr {
  /** The network address (host bits cleared). */
  base: number;
  prefix: number;
  size: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** A dotted IPv4 address as a number; null when it is not one. */
export function ipToNumber(ip: string): number | null {
  const m = IPV4.exec(ip);
  if (m === null) return null;
  let n = 0;
  for (const part of m.slice(1)) {
    const octet = Number(part);
    if (octet > 255) return null;
    n = n * 256 + octet;
  }
  return n;
}

export function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * Parses `a.b.c.d/p`. Throws a RangeError naming `what` when it is not an IPv4 block, or has
 * host bits set (10.0.0.1/24: did the operator mean 10.0.0.0/24?).
 */
export function parseCidr(text: string, what = 'CIDR'): Cidr {
  const [ip, bits, extra] = text.split('/');
  const prefix = Number(bits);
  const base = ipToNumber(ip ?? '');
  if (extra !== undefined || base === null || bits === undefined || !/^\d{1,2}$/.test(bits) || prefix > 32)
    throw new RangeError(`${what} "${text}" is not an IPv4 block like 10.213.0.0/16`);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0)
    throw new RangeError(
      `${what} "${text}" has host bits set; the block starts at ${numberToIp(base - (base % size))}`,
    );
  return { base, prefix, size };
}

export function formatCidr(c: Cidr): string {
  return `${numberToIp(c.base)}/${c.prefix}`;
}

/** Whether `inner` lies wholly inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;
}

/** Whether the address lies inside the block. */
export function cidrHas(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip < c.base + c.size;
}

/**
 * The Poseidon network's layout in a subnet: the gateway (the host's address on the bridge, the
 * containers' DNS server) is its first host address; containers take addresses from the lower
 * half (IPAM ip-range), so the upper half stays free for virtual IPs.
 */
export function networkLayout(subnet: string): { subnet: string; gateway: string; ipRange: string } {
  const c = parseCidr(subnet, 'subnet');
  if (c.prefix > 29) throw new RangeError(`subnet "${subnet}" is too small; at most /29`);
  return {
    subnet: formatCidr(c),
    gateway: numberToIp(c.base + 1),
    ipRange: formatCidr({ base: c.base, prefix: c.prefix + 1, size: c.size / 2 }),
  };
}
