import { cidrContains, parseCidr } from '../discovery/index.js';
import { checkNetworkOptions, TASK_NETWORKS, type NetworkOptions } from '../driver/index.js';
import { InvalidField } from '../errors/index.js';

// Discovery's flags: the worker's network, its subnet and where tasks go; the manager's virtual IP range.

/**
 * `--network NAME --subnet CIDR --task-network bridge|poseidon`, checked (a bridge name, an IPv4
 * block, one of the two) before anything starts.
 */
export function networkFlags(flags: { network: string; subnet: string; taskNetwork: string }): NetworkOptions {
  try {
    parseCidr(flags.subnet, '--subnet');
  } catch (err) {
    throw new InvalidField('--subnet', (err as Error).message);
  }
  const tasks = TASK_NETWORKS.find((t) => t === flags.taskNetwork);
  if (tasks === undefined)
    throw new InvalidField('--task-network', `is "${flags.taskNetwork}"; use ${TASK_NETWORKS.join(' or ')}`);
  try {
    const info = checkNetworkOptions({ name: flags.network, subnet: flags.subnet });
    return { name: info.name, subnet: info.subnet, tasks };
  } catch (err) {
    throw new InvalidField('--network', (err as Error).message);
  }
}

/**
 * `--vip-range CIDR`: an IPv4 block; with `subnet` (poseidon dev, whose worker and manager share
 * one), it must lie in the subnet's upper half, where no container takes an address.
 */
export function vipRangeFlag(value: string, subnet?: string): string {
  let range;
  try {
    range = parseCidr(value, '--vip-range');
  } catch (err) {
    throw new InvalidField('--vip-range', (err as Error).message);
  }
  if (subnet !== undefined) {
    const s = parseCidr(subnet);
    const upper = { base: s.base + s.size / 2, prefix: s.prefix + 1, size: s.size / 2 };
    if (!cidrContains(upper, range))
      throw new InvalidField('--vip-range', `"${value}" must lie in the upper half of the subnet ${subnet}`);
  }
  return value;
}
