import { parseCidr, routeClash, routeWords, type HostRoute } from '../discovery/index.js';
import type { VipAddresses } from './types.js';

// A service's virtual IP that this host routes elsewhere (a LAN, a VPN, a cloud network on the
// manager's --vip-range): added on the bridge, it would take this host's traffic for that address
// from where the route sends it, silently. It is not added; the proxy says so, and tries again
// later (the route may go). Routes out of the Poseidon bridge itself are its own: its subnet's.

/** A virtual IP not added because the host routes it elsewhere; its message is the one line to act on. */
export class VipRouted extends Error {
  override readonly name = 'VipRouted';
}

/** `vips`, but a VIP that a route of `routes()` not out of `bridge` holds is refused with VipRouted. */
export function routedVips(
  vips: VipAddresses,
  bridge: string,
  routes: () => Promise<readonly HostRoute[]>,
): VipAddresses {
  return {
    add: async (vip) => {
      const route = routeClash(parseCidr(`${vip}/32`), await routes(), [bridge]);
      if (route !== undefined)
        throw new VipRouted(
          `virtual IP ${vip} lies in ${routeWords(route)} of this host, so it is not added here; start the ` +
            'manager with a --vip-range no host of the cluster routes (ip route), inside the upper half of the ' +
            "workers' --subnet",
        );
      await vips.add(vip);
    },
    remove: (vip) => vips.remove(vip),
  };
}
