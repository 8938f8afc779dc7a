import { cidrContains, parseCidr } from '../discovery/index.js';
import { checkNetworkOptions, type NetworkOptions } from '../driver/index.js';
import { InvalidField } from '../errors/index.js';

// Discovery's flags: the worker's network and subnet, the manager's virtual IP range.

/** `--network NAME --subnet CIDR`, checked (a bridge name, an IPv4 block) before anything starts. */
export function networkFlags(flags: { network: string; subnet: string }): NetworkOptions {
  try {
    parseCidr(flags.subnet, '--subnet');
  } catch (err) {
    throw new InvalidField('--subnet', (err as Error).message);
  }
  try {
    const info = checkNetworkOptions({ name: flags.network, subnet: flags.subnet });
    return { name: info.name, subnet: info.subnet };
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
