import { parseCidr, type Cidr } from './cidr.js';

// Where a worker's network takes its subnet when the operator gave none (`--subnet-pool`), as
// Docker's default-address-pools and Swarm's --default-addr-pool do: the first block no Docker
// network and no host route already uses. A block of the pool larger than /16 gives its /16s.

/** A pool block larger than this is split into blocks of this prefix; a smaller one is taken whole. */
export const POOL_SUBNET_PREFIX = 16;

/** The smallest subnet the network's layout takes (networkLayout). */
const SMALLEST_PREFIX = 29;

/**
 * The candidate subnets of a pool, in order: each block, or its /16s when it is larger. Throws a
 * RangeError naming `what` for a block that is not one or is smaller than a /29.
 */
export function poolSubnets(pool: readonly string[], what = '--subnet-pool'): Cidr[] {
  const out: Cidr[] = [];
  for (const text of pool) {
    const block = parseCidr(text, what);
    if (block.prefix > SMALLEST_PREFIX) throw new RangeError(`${what} "${text}" is too small; at most /29`);
    if (block.prefix >= POOL_SUBNET_PREFIX) {
      out.push(block);
      continue;
    }
    const size = 2 ** (32 - POOL_SUBNET_PREFIX);
    for (let base = block.base; base < block.base + block.size; base += size)
      out.push({ base, prefix: POOL_SUBNET_PREFIX, size });
  }
  return out;
}

/** Whether two blocks share an address. */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** The first candidate that no taken block overlaps; undefined when every one is taken. */
export function firstFreeSubnet(candidates: readonly Cidr[], taken: readonly Cidr[]): Cidr | undefined {
  return candidates.find((c) => !taken.some((t) => cidrOverlaps(c, t)));
}
