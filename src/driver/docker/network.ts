import type Docker from 'dockerode';
import { setTimeout as sleep } from 'node:timers/promises';
import { cidrContains, networkLayout, parseCidr } from '../../discovery/index.js';
import { NetworkUnusable } from '../errors.js';
import { LABEL_NETWORK } from '../labels.js';

// The Poseidon network: a Docker bridge network whose host side holds the addresses discovery
// serves on (the gateway, where task containers' DNS server listens, and the services' virtual
// IPs). The Linux bridge takes the network's name (at most 15 characters), so the host sees it
// by name. Task containers join Docker's default bridge by default and reach those host addresses
// through the host; `poseidon` puts them on this network itself. On Engine 20.10 a container on a
// user-defined network costs 150-180 ms more to start (the engine sets up its embedded DNS
// resolver in each: a re-exec of dockerd and eleven iptables runs), and Poseidon's DNS makes
// that resolver useless to its tasks.

interface HttpError {
  statusCode?: number;
  json?: { message?: string } | null;
  message?: string;
}

/** Which Docker network task containers join: Docker's default bridge, or the Poseidon network itself. */
export type TaskNetwork = 'bridge' | 'poseidon';

export const TASK_NETWORKS: readonly TaskNetwork[] = ['bridge', 'poseidon'];

/** What a worker's network is: its name (also the bridge's), subnet, and the labels it gets when created. */
export interface NetworkOptions {
  name: string;
  subnet: string;
  /** Where task containers go (default `bridge`: Docker's default bridge, the faster start). */
  tasks?: TaskNetwork;
  /** Put on the network when this worker creates it, beside `poseidon.network` (a test run's label). */
  labels?: Record<string, string>;
}

/** The network as containers use it. */
export interface NetworkInfo {
  name: string;
  subnet: string;
  gateway: string;
  /** The Docker network a task container joins (`bridge`, or `name`); the gateway is its DNS server either way. */
  joins: string;
}

/** The Linux limit on an interface name (IFNAMSIZ less the NUL). */
export const MAX_BRIDGE_NAME = 15;

/** Checks a network name and subnet before anything is asked of the engine; throws a RangeError for people. */
export function checkNetworkOptions(opts: NetworkOptions): NetworkInfo {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(opts.name) || opts.name.length > MAX_BRIDGE_NAME)
    throw new RangeError(
      `network "${opts.name}" must be 1-${MAX_BRIDGE_NAME} letters, digits, '.', '_' or '-' (it names the bridge)`,
    );
  const layout = networkLayout(opts.subnet);
  return {
    name: opts.name,
    subnet: layout.subnet,
    gateway: layout.gateway,
    joins: opts.tasks === 'poseidon' ? opts.name : 'bridge',
  };
}

/**
 * Makes sure the network exists, as this subnet lays it out (networkLayout): creates it when
 * missing. Idempotent, and safe when several workers of one host start at once: a create that
 * fails because another created it meanwhile (a duplicate name, an overlapping pool) looks again
 * and takes the one that is there. A network of that name with another subnet, or not Poseidon's,
 * is refused rather than used.
 */
export async function ensureNetwork(docker: Docker, opts: NetworkOptions): Promise<NetworkInfo> {
  const info = checkNetworkOptions(opts);
  const existing = await inspectNetwork(docker, opts.name);
  if (existing !== null) return checkExisting(existing, info);
  const layout = networkLayout(opts.subnet);
  try {
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
  } catch (err) {
    const raced = await madeMeanwhile(docker, opts.name);
    if (raced !== null) return checkExisting(raced, info);
    throw await createFailed(docker, info, err);
  }
  return info;
}

/**
 * Why the network could not be made, and what to do: when the engine says its subnet overlaps
 * another network's, that network by name (when the engine lists it), and the two ways out.
 */
async function createFailed(docker: Docker, want: NetworkInfo, err: unknown): Promise<NetworkUnusable> {
  const said = `network ${want.name} (${want.subnet}) could not be created: ${messageOf(err)}`;
  if (!/overlap/i.test(messageOf(err))) return new NetworkUnusable(said, { cause: err });
  const other = await overlapping(docker, want.subnet).catch(() => undefined);
  const which =
    other === undefined ? 'the Docker network that holds it' : `Docker network ${other.name} (${other.subnet})`;
  return new NetworkUnusable(
    `${said}; start the worker with another --subnet, or remove ${which} (docker network ls)`,
    { cause: err },
  );
}

/** The first network of the engine whose IPv4 subnet overlaps `subnet`, if any. */
async function overlapping(docker: Docker, subnet: string): Promise<{ name: string; subnet: string } | undefined> {
  const want = parseCidr(subnet);
  for (const n of await docker.listNetworks()) {
    for (const c of n.IPAM?.Config ?? []) {
      if (c.Subnet === undefined || !c.Subnet.includes('.')) continue;
      let theirs;
      try {
        theirs = parseCidr(c.Subnet);
      } catch {
        continue;
      }
      if (cidrContains(want, theirs) || cidrContains(theirs, want)) return { name: n.Name, subnet: c.Subnet };
    }
  }
  return undefined;
}

/** Looks after a failed create this long for a network another worker is making meanwhile. */
const RACE_LOOKS = 20;
const RACE_LOOK_MS = 100;

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
  if (n.Labels?.[LABEL_NETWORK] !== want.name)
    throw new NetworkUnusable(
      `network ${want.name} exists on this engine and is not Poseidon's (no ${LABEL_NETWORK} label); ` +
        'give the worker another --network, or remove that network',
    );
  const subnets = (n.IPAM?.Config ?? []).map((c) => c.Subnet);
  if (!subnets.includes(want.subnet))
    throw new NetworkUnusable(
      `network ${want.name} exists with subnet ${subnets.join(', ') || 'none'}, not ${want.subnet}; ` +
        'start the worker with that --subnet, or remove the network',
    );
  return want;
}

function messageOf(err: unknown): string {
  const e = err as HttpError;
  return (e.json?.message ?? e.message ?? String(err)).replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}
