import type Docker from 'dockerode';
import {
  cidrOverlaps,
  firstFreeSubnet,
  formatCidr,
  ipv4Block,
  type Cidr,
  type HostRoute,
} from '../../discovery/index.js';

// The address blocks a new Poseidon network must stay clear of, and the first block of its pool
// that is: the IPv4 subnets of the engine's networks (the engine refuses an overlapping one with
// "Pool overlaps with other one on this address space") and the host's routes (a bridge on a
// routed block takes the traffic meant for that route: a VPN's, a LAN's).

/** What the host tells of its routes (stats' readHostRoutes); the driver does not read /proc itself. */
export type HostRoutes = () => Promise<readonly HostRoute[]>;

/** A block in use, and by what: `Docker network NAME (SUBNET)` or `host route SUBNET`. */
export interface UsedBlock {
  block: Cidr;
  kind: 'network' | 'route';
  by: string;
}

/** The IPv4 subnets of the engine's networks, each with its network; IPv6 and unreadable ones are left out. */
export async function dockerSubnets(docker: Docker): Promise<UsedBlock[]> {
  const used: UsedBlock[] = [];
  for (const n of await docker.listNetworks()) {
    for (const c of n.IPAM?.Config ?? []) {
      const block = ipv4Block(c.Subnet);
      if (block !== undefined)
        used.push({ block, kind: 'network', by: `Docker network ${n.Name} (${c.Subnet ?? ''})` });
    }
  }
  return used;
}

/** The engine's networks' subnets and the host's routes. */
export async function usedBlocks(docker: Docker, routes: HostRoutes): Promise<UsedBlock[]> {
  const fromRoutes: UsedBlock[] = [];
  for (const route of await routes()) {
    const block = ipv4Block(route.block);
    if (block !== undefined) fromRoutes.push({ block, kind: 'route', by: `host route ${route.block}` });
  }
  return [...(await dockerSubnets(docker)), ...fromRoutes];
}

/** The first used block (of that kind, if given) that overlaps `block`, if any. */
export function usedBy(block: Cidr, used: readonly UsedBlock[], kind?: UsedBlock['kind']): UsedBlock | undefined {
  return used.find((u) => (kind === undefined || u.kind === kind) && cidrOverlaps(block, u.block));
}

/**
 * The first candidate nothing uses, and the ones passed over before it, each with what uses it
 * ("10.213.0.0/16 (Docker network other (10.213.0.0/16))"); no pick when every one is used.
 */
export function pickSubnet(
  candidates: readonly Cidr[],
  used: readonly UsedBlock[],
): { pick: Cidr | undefined; passedOver: string[] } {
  const pick = firstFreeSubnet(
    candidates,
    used.map((u) => u.block),
  );
  const passedOver: string[] = [];
  for (const c of candidates) {
    if (c === pick) break;
    passedOver.push(`${formatCidr(c)} (${usedBy(c, used)?.by ?? 'in use'})`);
  }
  return { pick, passedOver };
}
