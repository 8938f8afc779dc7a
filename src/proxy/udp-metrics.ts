import { Counter, Gauge, type Registry } from 'prom-client';

/** Why a datagram was not passed on. */
export type UdpDropReason = 'no_replica' | 'failed' | 'backlog';
const REASONS: readonly UdpDropReason[] = ['no_replica', 'failed', 'backlog'];

/**
 * One service's udp counts, kept as plain numbers (a datagram costs no label lookup) and added to
 * the registry's series when it is scraped.
 */
export class UdpTallies {
  /** Datagrams from clients passed on to a replica, and replies passed back. */
  in = 0;
  out = 0;
  flows = 0;
  open = 0;
  evicted = 0;
  readonly dropped: Record<UdpDropReason, number> = { no_replica: 0, failed: 0, backlog: 0 };
}

/** The proxy's udp series, per service. */
export class UdpMetrics {
  readonly #byService = new Map<string, UdpTallies>();

  of(service: string): UdpTallies {
    let t = this.#byService.get(service);
    if (t === undefined) this.#byService.set(service, (t = new UdpTallies()));
    return t;
  }

  constructor(registry: Registry) {
    const all = this.#byService;
    const counter = <L extends string>(
      name: string,
      help: string,
      labelNames: readonly L[],
      fill: (c: Counter<L>, service: string, t: UdpTallies) => void,
    ): void => {
      const c: Counter<L> = new Counter({
        name,
        help,
        labelNames,
        registers: [registry],
        collect: () => {
          c.reset();
          for (const [service, t] of all) fill(c, service, t);
        },
      });
    };
    counter(
      'poseidon_proxy_udp_datagrams_total',
      'Datagrams passed on by a udp port: in (client to replica) and out (replica to client)',
      ['service', 'direction'] as const,
      (c, service, t) => {
        if (t.in > 0) c.inc({ service, direction: 'in' }, t.in);
        if (t.out > 0) c.inc({ service, direction: 'out' }, t.out);
      },
    );
    counter(
      'poseidon_proxy_udp_dropped_total',
      'Datagrams not passed on: no ready replica, the replica or its tunnel failed, or too many waiting',
      ['service', 'reason'] as const,
      (c, service, t) => {
        for (const reason of REASONS) if (t.dropped[reason] > 0) c.inc({ service, reason }, t.dropped[reason]);
      },
    );
    const service = ['service'] as const;
    counter('poseidon_proxy_udp_flows_total', 'Udp flows (client address and port) begun', service, (c, s, t) => {
      if (t.flows > 0) c.inc({ service: s }, t.flows);
    });
    counter(
      'poseidon_proxy_udp_flows_evicted_total',
      'Udp flows ended early to make room for a new one, a port holding its most',
      service,
      (c, s, t) => {
        if (t.evicted > 0) c.inc({ service: s }, t.evicted);
      },
    );
    new Gauge({
      name: 'poseidon_proxy_udp_flows_open',
      help: 'Udp flows open now, per service',
      labelNames: ['service'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [service, t] of all) if (t.open > 0) this.set({ service }, t.open);
      },
    });
  }
}
