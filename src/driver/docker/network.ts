import Docker from 'dockerode';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_SUBNET_POOL,
  formatCidr,
  networkLayout,
  parseCidr,
  poolSubnets,
  routeClash,
  routeWords,
} from '../../discovery/index.js';
import { NetworkUnusable } from '../errors.js';
import { LABEL_NETWORK } from '../labels.js';
import { pickSubnet, usedBlocks, usedBy, type HostRoutes } from './network-subnets.js';
import { engineMessage, type HttpError } from './engine-error.js';

// The Poseidon network: a Docker bridge network whose host side holds the addresses discovery
// serves on (the gateway, where task containers' DNS server listens, and the services' virtual
// IPs). The Linux bridge takes the network's name (at most 15 characters), so the host sees it
// by name. Task containers join Docker's default bridge by default and reach those host addresses
// through the host; `poseidon` puts them on this network itself. On Engine 20.10 a container on a
// user-defined network costs 150-180 ms more to start (the engine sets up its embedded DNS
// resolver in each: a re-exec of dockerd and eleven iptables runs), and Poseidon's DNS makes
// that resolver useless to its tasks.

/** Which Docker network task containers join: Docker's default bridge, or the Poseidon network itself. */
export type TaskNetwork = 'bridge' | 'poseidon';

export const TASK_NETWORKS: readonly TaskNetwork[] = ['bridge', 'poseidon'];

/**
 * What a worker's network is: its name (also the bridge's), its subnet or where one is taken
 * from, and the labels it gets when created.
 */
export interface NetworkOptions {
  name: string;
  /**
   * The subnet the operator gave (`--subnet`): the network must have it. Absent: a network of
   * that name keeps its own, and a new one takes the first free block of `subnetPool`.
   */
  subnet?: string;
  /** Where an absent `subnet` comes from (`--subnet-pool`; default DEFAULT_SUBNET_POOL), read by poolSubnets. */
  subnetPool?: readonly string[];
  /** Where task containers go (default `bridge`: Docker's default bridge, the faster start). */
  tasks?: TaskNetwork;
  /** Put on the network when this worker creates it, beside `poseidon.network` (a test run's label). */
  labels?: Record<string, string>;
}

/** How the network had its subnet: given (`--subnet`), found on the network already there, or picked from the pool. */
export type SubnetSource = 'given' | 'found' | 'picked';

/** The network as containers use it. */
export interface NetworkInfo {
  name: string;
  subnet: string;
  gateway: string;
  /** The Docker network a task container joins (`bridge`, or `name`); the gateway is its DNS server either way. */
  joins: string;
  subnetFrom: SubnetSource;
  /** Picked: the pool's blocks passed over before it, each with what uses it. */
  passedOver: string[];
}

/** The Linux limit on an interface name (IFNAMSIZ less the NUL). */
export const MAX_BRIDGE_NAME = 15;

/**
 * Checks a network name, subnet and pool before anything is asked of the engine; throws a
 * RangeError for people. Gives the options back with the subnet written as a block.
 */
export function checkNetworkOptions(opts: NetworkOptions): NetworkOptions {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(opts.name) || opts.name.length > MAX_BRIDGE_NAME)
    throw new RangeError(
      `network "${opts.name}" must be 1-${MAX_BRIDGE_NAME} letters, digits, '.', '_' or '-' (it names the bridge)`,
    );
  if (opts.subnetPool !== undefined && poolSubnets(opts.subnetPool).length === 0)
    throw new RangeError('--subnet-pool is empty; give one block or more, such as 10.213.0.0/16');
  return opts.subnet === undefined ? opts : { ...opts, subnet: networkLayout(opts.subnet).subnet };
}

/** Where task containers of this network go: Docker's default bridge, or the network itself. */
export function joinsOf(opts: Pick<NetworkOptions, 'name' | 'tasks'>): string {
  return opts.tasks === 'poseidon' ? opts.name : 'bridge';
}

/** The network laid out in `subnet` (networkLayout), as containers use it. */
export function networkInfo(
  opts: Pick<NetworkOptions, 'name' | 'tasks'>,
  subnet: string,
  subnetFrom: SubnetSource = 'given',
  passedOver: string[] = [],
): NetworkInfo {
  const layout = networkLayout(subnet);
  return {
    name: opts.name,
    subnet: layout.subnet,
    gateway: layout.gateway,
    joins: joinsOf(opts),
    subnetFrom,
    passedOver,
  };
}

/** What the host has beside the engine that a new network must not overlap: its routes. */
export interface NetworkHost {
  routes: HostRoutes;
}

const NO_HOST: NetworkHost = { routes: async () => [] };

/**
 * Makes sure the network exists: creates it when missing. Idempotent, and safe when several
 * workers of one host start at once: a create that fails because another created it meanwhile
 * (a duplicate name, an overlapping pool) looks again and takes the one that is there. With a
 * `subnet`, the network is laid out in it (networkLayout), one of that name with another subnet
 * is refused rather than used, and so is a subnet a route of `host` holds (refuseRouted);
 * without, the network of that name keeps its subnet (a restarted worker finds its own), and a
 * new one takes the first block of the pool that no network of the engine and no route of `host`
 * uses. One of that name not Poseidon's is refused.
 */
export async function ensureNetwork(
  docker: Docker,
  opts: NetworkOptions,
  host: NetworkHost = NO_HOST,
): Promise<NetworkInfo> {
  const checked = checkNetworkOptions(opts);
  return checked.subnet === undefined ? ensurePicked(docker, checked, host) : ensureGiven(docker, checked, host);
}

/** ensureNetwork on the engine at this socket (`poseidon dev`, which needs the subnet before its worker runs). */
export function ensureNetworkAt(socketPath: string, opts: NetworkOptions, host?: NetworkHost): Promise<NetworkInfo> {
  return ensureNetwork(new Docker({ socketPath }), opts, host);
}

async function ensureGiven(docker: Docker, opts: NetworkOptions, host: NetworkHost): Promise<NetworkInfo> {
  const info = networkInfo(opts, opts.subnet ?? '');
  const existing = await inspectNetwork(docker, opts.name);
  if (existing !== null) {
    checkExisting(existing, info);
    await refuseRouted(docker, opts, info, host, true);
    return info;
  }
  await refuseRouted(docker, opts, info, host, false);
  try {
    await createNetwork(docker, opts, info.subnet);
  } catch (err) {
    const raced = await madeMeanwhile(docker, opts.name);
    if (raced !== null) return checkExisting(raced, info);
    throw await createFailed(docker, opts, info, host, err);
  }
  return info;
}

/**
 * A --subnet the host routes elsewhere (a LAN, a VPN: any route but the default one and those out
 * of this network's own bridge) is refused, naming the route and a free block to give instead: a
 * bridge on it would take this host's traffic for that route. A Docker network on the block is
 * left to the create, which the engine refuses itself and createFailed names.
 */
async function refuseRouted(
  docker: Docker,
  opts: NetworkOptions,
  want: NetworkInfo,
  host: NetworkHost,
  exists: boolean,
): Promise<void> {
  const block = parseCidr(want.subnet);
  const route = routeClash(block, await host.routes(), [opts.name]);
  if (route === undefined) return;
  const used = await usedBlocks(docker, host.routes);
  if (!exists && usedBy(block, used, 'network') !== undefined) return;
  const free = pickSubnet(poolSubnets(opts.subnetPool ?? DEFAULT_SUBNET_POOL), used).pick;
  const instead =
    free === undefined
      ? 'a --subnet it does not route (ip route)'
      : `a --subnet it does not route, such as ${formatCidr(free)}, or without --subnet to have a free one picked`;
  const first = exists ? `remove network ${opts.name} (docker network rm ${opts.name}), then ` : '';
  throw new NetworkUnusable(
    `--subnet ${want.subnet} overlaps ${routeWords(route)} of this host; ${first}start the worker with ${instead}`,
  );
}

/**
 * Without --subnet: the network of that name as it is, else a new one on the first free block of
 * the pool. A create refused meanwhile (another worker made this network, or took that block)
 * looks again, at both.
 */
async function ensurePicked(docker: Docker, opts: NetworkOptions, host: NetworkHost): Promise<NetworkInfo> {
  const pool = opts.subnetPool ?? DEFAULT_SUBNET_POOL;
  const candidates = poolSubnets(pool);
  let refused: unknown;
  for (let i = 0; i < RACE_LOOKS; i++) {
    const existing = await inspectNetwork(docker, opts.name);
    if (existing !== null) return adoptExisting(existing, opts);
    const { pick, passedOver } = pickSubnet(candidates, await usedBlocks(docker, host.routes));
    if (pick === undefined)
      throw new NetworkUnusable(
        `no block of --subnet-pool ${pool.join(',')} is free for network ${opts.name}: Docker networks and ` +
          'host routes use them all; start the worker with a free --subnet, or a --subnet-pool with room',
      );
    const subnet = formatCidr(pick);
    try {
      await createNetwork(docker, opts, subnet);
      return networkInfo(opts, subnet, 'picked', passedOver);
    } catch (err) {
      if (!RACED.test(engineMessage(err)))
        throw new NetworkUnusable(`network ${opts.name} (${subnet}) could not be created: ${engineMessage(err)}`, {
          cause: err,
        });
      refused = err;
      await sleep(RACE_LOOK_MS);
    }
  }
  throw new NetworkUnusable(
    `network ${opts.name} could not be created: ${engineMessage(refused)}, ${RACE_LOOKS} times; start the worker again`,
    { cause: refused },
  );
}

/** Looks after a failed create this long for a network another worker is making meanwhile. */
const RACE_LOOKS = 20;
const RACE_LOOK_MS = 100;

/**
 * The engine's words for a block another network holds: "Pool overlaps with other one on this
 * address space", or for the very same block, on Engine 20.10, "failed to allocate gateway
 * (10.213.0.1): Address already in use".
 */
const BLOCK_HELD = /overlap|address already in use/i;
/** ... or for a name another create took first. */
const RACED = new RegExp(`${BLOCK_HELD.source}|already exists`, 'i');

async function createNetwork(docker: Docker, opts: NetworkOptions, subnet: string): Promise<void> {
  const layout = networkLayout(subnet);
  await docker.createNetwork({
    Name: opts.name,
    Driver: 'bridge',
    CheckDuplicate: true,
    Internal: false,
    Attachable: true,
    Labels: { ...opts.labels, [LABEL_NETWORK]: opts.name },
    Options: { 'com.docker.network.bridge.name': opts.name },
    IPAM: {
      Driver: 'default',
      Config: [{ Subnet: layout.subnet, IPRange: layout.ipRange, Gateway: layout.gateway }],
    },
  });
}

/**
 * Why the network could not be made, and what to do: when its block is another network's, that
 * network by name (when the engine lists it), a free block of the pool to give instead (when
 * there is one), and removing the other network.
 */
async function createFailed(
  docker: Docker,
  opts: NetworkOptions,
  want: NetworkInfo,
  host: NetworkHost,
  err: unknown,
): Promise<NetworkUnusable> {
  const said = `network ${want.name} (${want.subnet}) could not be created: ${engineMessage(err)}`;
  const used = await usedBlocks(docker, host.routes).catch(() => undefined);
  const other = used === undefined ? undefined : usedBy(parseCidr(want.subnet), used, 'network');
  if (other === undefined && !BLOCK_HELD.test(engineMessage(err))) return new NetworkUnusable(said, { cause: err });
  const free =
    used === undefined ? undefined : pickSubnet(poolSubnets(opts.subnetPool ?? DEFAULT_SUBNET_POOL), used).pick;
  const instead =
    free === undefined
      ? 'another --subnet'
      : `--subnet ${formatCidr(free)} (free now), or without --subnet to have a free one picked`;
  const which = other?.by ?? 'the Docker network that holds it';
  return new NetworkUnusable(`${said}; start the worker with ${instead}, or remove ${which} (docker network ls)`, {
    cause: err,
  });
}

/**
 * The network another worker made while this one's create failed. The engine refuses the
 * second create ("Pool overlaps ...") as soon as the first has its address pool, which can be
 * before the first network is there to inspect: a look at once may find nothing.
 */
async function madeMeanwhile(docker: Docker, name: string): Promise<Docker.NetworkInspectInfo | null> {
  for (let i = 0; i < RACE_LOOKS; i++) {
    const found = await inspectNetwork(docker, name);
    if (found !== null) return found;
    await sleep(RACE_LOOK_MS);
  }
  return null;
}

/** Removes networks by label (`key=value`), leaving any a container still uses; for tests and their cleanup. */
export async function removeNetworksByLabel(docker: Docker, label: string): Promise<number> {
  const networks = await docker.listNetworks({ filters: { label: [label] } });
  let removed = 0;
  for (const n of networks) {
    try {
      await docker.getNetwork(n.Id).remove();
      removed += 1;
    } catch (err) {
      if ((err as HttpError).statusCode !== 404) throw err;
    }
  }
  return removed;
}

async function inspectNetwork(docker: Docker, name: string): Promise<Docker.NetworkInspectInfo | null> {
  try {
    const n = (await docker.getNetwork(name).inspect()) as Docker.NetworkInspectInfo;
    return n.Name === name ? n : null; // the engine also matches an id prefix
  } catch (err) {
    if ((err as HttpError).statusCode === 404) return null;
    throw err;
  }
}

function checkExisting(n: Docker.NetworkInspectInfo, want: NetworkInfo): NetworkInfo {
  checkPoseidons(n, want.name);
  const subnets = (n.IPAM?.Config ?? []).map((c) => c.Subnet);
  if (!subnets.includes(want.subnet))
    throw new NetworkUnusable(
      `network ${want.name} exists with subnet ${subnets.join(', ') || 'none'}, not ${want.subnet}; ` +
        'start the worker with that --subnet (or none), or remove the network',
    );
  return want;
}

/** The network of that name, there already with the subnet it was made with: a restarted worker's own. */
function adoptExisting(n: Docker.NetworkInspectInfo, opts: NetworkOptions): NetworkInfo {
  checkPoseidons(n, opts.name);
  const subnet = (n.IPAM?.Config ?? []).map((c) => c.Subnet).find((s) => s?.includes('.') === true);
  try {
    return networkInfo(opts, subnet ?? '', 'found');
  } catch (err) {
    throw new NetworkUnusable(
      `network ${opts.name} exists with subnet ${subnet ?? 'none'}, which Poseidon cannot lay out ` +
        `(${(err as Error).message}); remove the network, or give the worker another --network`,
      { cause: err },
    );
  }
}

function checkPoseidons(n: Docker.NetworkInspectInfo, name: string): void {
  if (n.Labels?.[LABEL_NETWORK] !== name)
    throw new NetworkUnusable(
      `network ${name} exists on this engine and is not Poseidon's (no ${LABEL_NETWORK} label); ` +
        'give the worker another --network, or remove that network',
    );
}
