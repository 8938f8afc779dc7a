import { Counter, Gauge, type Registry } from 'prom-client';
import { UdpMetrics } from './udp-metrics.js';

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** A count kept as a plain number and read when the registry is scraped. */
class Tally {
  n = 0;
  inc(): void {
    this.n += 1;
  }
}

/** The proxy's series, per service, in the registry it is given (never the global one). */
export class ProxyMetrics {
  /** Client connections accepted on a virtual IP (tcp and http ports). */
  readonly connections: Counter<'service'>;
  /** HTTP requests forwarded, by the status class answered (2xx … 5xx). */
  readonly requests: Counter<'service' | 'code'>;
  /** Another replica tried after a failed connect (tcp) or a failed idempotent request (http). */
  readonly retries: Counter<'service'>;
  readonly failedConnects: Counter<'service'>;
  /** Times a replica was set aside after failed connects in a row. */
  readonly setAside: Counter<'service'>;
  /** Clients turned away because no replica was ready or every try failed. */
  readonly noReplica: Counter<'service'>;
  /** Datagrams, flows and drops of udp ports. */
  readonly udp: UdpMetrics;

  readonly #requestsByClass = new Map<string, readonly Tally[]>();

  /**
   * The requests counter of one service, one tally per status class (index 0 is 1xx, 4 is 5xx):
   * plain numbers added to the counter when it is read, as prom-client's label hashing on every
   * request is a measurable part of the http mode's cost.
   */
  requestsByClass(service: string): ReadonlyArray<{ inc(): void }> {
    let series = this.#requestsByClass.get(service);
    if (series === undefined) {
      series = CLASSES.map(() => new Tally());
      this.#requestsByClass.set(service, series);
    }
    return series;
  }

  constructor(registry: Registry, openByService: () => Map<string, number>) {
    const labelNames = ['service'] as const;
    this.udp = new UdpMetrics(registry);
    this.connections = new Counter({
      name: 'poseidon_proxy_connections_total',
      help: 'Client connections accepted on a service virtual IP',
      labelNames,
      registers: [registry],
    });
    this.requests = new Counter({
      name: 'poseidon_proxy_requests_total',
      help: 'HTTP requests forwarded to a service, by the status class answered',
      labelNames: ['service', 'code'] as const,
      registers: [registry],
      collect: () => {
        this.requests.reset();
        for (const [service, tallies] of this.#requestsByClass) {
          tallies.forEach((t, i) => t.n > 0 && this.requests.inc({ service, code: CLASSES[i] as string }, t.n));
        }
      },
    });
    this.retries = new Counter({
      name: 'poseidon_proxy_retries_total',
      help: 'Connections or requests sent to another replica after a failure',
      labelNames,
      registers: [registry],
    });
    this.failedConnects = new Counter({
      name: 'poseidon_proxy_failed_connects_total',
      help: 'Connects to a replica that failed (refused, unreachable, timed out)',
      labelNames,
      registers: [registry],
    });
    this.setAside = new Counter({
      name: 'poseidon_proxy_replicas_set_aside_total',
      help: 'Times a replica was set aside after failed connects in a row',
      labelNames,
      registers: [registry],
    });
    this.noReplica = new Counter({
      name: 'poseidon_proxy_unserved_total',
      help: 'Clients turned away: no ready replica, or every try failed',
      labelNames,
      registers: [registry],
    });
    new Gauge({
      name: 'poseidon_proxy_open_connections',
      help: 'Connections (tcp), requests (http) or flows (udp) open towards replicas, per service',
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const [service, open] of openByService()) this.set({ service }, open);
      },
    });
  }
}
