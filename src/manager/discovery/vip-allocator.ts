import { cidrHas, ipToNumber, numberToIp, parseCidr, type Cidr } from '../../discovery/index.js';
import { PoseidonError } from '../../errors/index.js';

export class VipRangeFull extends PoseidonError {
  constructor(range: string, used: number) {
    super(
      'vip_range_full',
      `every address of the virtual IP range ${range} is taken (${used} services); ` +
        'remove a service, or start the manager with a larger --vip-range',
    );
  }
}

/**
 * Hands out services' virtual IPs from the manager's `--vip-range`. What is taken is read from
 * the service records each time (a VIP is stored with its service, and freed with it), so
 * nothing here needs saving. The range's first and last address are never given (in a range
 * that is a whole subnet they are its network and broadcast addresses), and the next VIP is
 * looked for after the last one given, so a VIP just freed is not handed out again at once
 * while a resolver may still cache it.
 */
export class VipAllocator {
  readonly #range: Cidr;
  #next: number;

  constructor(
    readonly range: string,
    /** The VIPs services hold now. */
    private readonly taken: () => Iterable<string>,
  ) {
    this.#range = parseCidr(range, '--vip-range');
    if (this.#range.size < 4) throw new RangeError(`--vip-range "${range}" is too small; at most /30`);
    this.#next = this.#range.base + 1;
  }

  /** Whether the address lies in the range (a VIP given under another --vip-range may not). */
  contains(vip: string): boolean {
    const n = ipToNumber(vip);
    return n !== null && cidrHas(this.#range, n);
  }

  /** A free VIP; VipRangeFull when every address is taken. Callers serialize (the services lock). */
  allocate(): string {
    const used = new Set<number>();
    for (const vip of this.taken()) {
      const n = ipToNumber(vip);
      if (n !== null) used.add(n);
    }
    const first = this.#range.base + 1;
    const count = this.#range.size - 2;
    for (let i = 0; i < count; i++) {
      const n = first + ((this.#next - first + i) % count);
      if (used.has(n)) continue;
      this.#next = n + 1 >= first + count ? first : n + 1;
      return numberToIp(n);
    }
    throw new VipRangeFull(this.range, used.size);
  }
}
