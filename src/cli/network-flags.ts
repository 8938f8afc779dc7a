import { cidrContains, formatCidr, parseCidr, poolSubnets } from '../discovery/index.js';
import { checkNetworkOptions, TASK_NETWORKS, type NetworkOptions } from '../driver/index.js';
import { InvalidField } from '../errors/index.js';

// Discovery's flags: the worker's network, its subnet and where tasks go; the manager's virtual IP range.

/**
 * `--network NAME --subnet CIDR --subnet-pool CIDR,... --task-network bridge|poseidon`, checked (a
 * bridge name, IPv4 blocks, one of the two) before anything starts. No --subnet: the network
 * keeps the subnet it has, or takes a free block of the pool.
 */
export function networkFlags(flags: {
  network: string;
  subnet?: string;
  subnetPool: string;
  taskNetwork: string;
}): NetworkOptions {
  const subnet = flags.subnet === undefined ? undefined : subnetFlag(flags.subnet);
  const subnetPool = flags.subnetPool
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (subnetPool.length === 0) throw new InvalidField('--subnet-pool', 'is empty; give blocks such as 10.213.0.0/16');
  blockFlag('--subnet-pool', () => poolSubnets(subnetPool));
  const tasks = TASK_NETWORKS.find((t) => t === flags.taskNetwork);
  if (tasks === undefined)
    throw new InvalidField('--task-network', `is "${flags.taskNetwork}"; use ${TASK_NETWORKS.join(' or ')}`);
  try {
    // subnet and pool checked above: what is left to refuse is the name
    return checkNetworkOptions({ name: flags.network, subnetPool, tasks, ...(subnet === undefined ? {} : { subnet }) });
  } catch (err) {
    throw new InvalidField('--network', (err as Error).message);
  }
}

/** `--subnet`: a block the network's layout takes (at most /29), written as a block. */
function subnetFlag(value: string): string {
  const block = blockFlag('--subnet', () => parseCidr(value, '--subnet'));
  if (block.prefix > 29) throw new InvalidField('--subnet', `"${value}" is too small; at most /29`);
  return formatCidr(block);
}

/** A block flag's value checked: a RangeError from the check becomes one line naming the flag once. */
function blockFlag<T>(flag: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    const message = (err as Error).message;
    throw new InvalidField(flag, message.startsWith(`${flag} `) ? message.slice(flag.length + 1) : message);
  }
}

/**
 * `--vip-range CIDR`: an IPv4 block; with `subnet` (poseidon dev, whose worker and manager share
 * one), it must lie in the subnet's upper half, where no container takes an address.
 */
export function vipRangeFlag(value: string, subnet?: string): string {
  const range = blockFlag('--vip-range', () => parseCidr(value, '--vip-range'));
  if (subnet !== undefined && !cidrContains(parseCidr(upperHalf(subnet)), range))
    throw new InvalidField('--vip-range', `"${value}" must lie in the upper half of the subnet ${subnet}`);
  return value;
}

/** A subnet's upper half, where no container of its network takes an address: 10.213.0.0/16 → 10.213.128.0/17. */
export function upperHalf(subnet: string): string {
  const s = parseCidr(subnet);
  return formatCidr({ base: s.base + s.size / 2, prefix: s.prefix + 1, size: s.size / 2 });
}
