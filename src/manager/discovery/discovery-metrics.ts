import { Gauge, type Registry } from 'prom-client';
import type { EndpointState } from '../../api/index.js';
import type { Consumers } from './consumers.js';
import type { DrainGate } from './drain-gate.js';
import type { EndpointBook } from './endpoint-book.js';

const STATES: readonly EndpointState[] = ['starting', 'ready', 'unhealthy', 'draining'];

/** Discovery's gauges, read when Prometheus scrapes: endpoints per state, the table's revision, watchers, drains. */
export class DiscoveryMetrics {
  constructor(registry: Registry, discovery: { book: EndpointBook; consumers: Consumers; gate: DrainGate }) {
    new Gauge({
      name: 'poseidon_endpoints',
      help: 'Endpoints of service replicas in the endpoint table, by state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const counts = discovery.book.counts();
        for (const state of STATES) this.set({ state }, counts.get(state) ?? 0);
      },
    });
    new Gauge({
      name: 'poseidon_endpoints_revision',
      help: "The endpoint table's revision (every change adds one)",
      registers: [registry],
      collect() {
        this.set(discovery.book.revision);
      },
    });
    new Gauge({
      name: 'poseidon_endpoints_watchers',
      help: 'Open GET /endpoints/watch streams (live consumers of the endpoint table)',
      registers: [registry],
      collect() {
        this.set(discovery.consumers.size);
      },
    });
    new Gauge({
      name: 'poseidon_endpoints_draining_stops',
      help: 'Replica stops held until their endpoint has drained',
      registers: [registry],
      collect() {
        this.set(discovery.gate.waiting);
      },
    });
  }
}
