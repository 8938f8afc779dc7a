import { Gauge, type Registry } from 'prom-client';
import type { UpdateState } from '../../api/index.js';

const UPDATE_STATES: readonly UpdateState[] = [
  'updating',
  'rolling_back',
  'completed',
  'paused',
  'rolled_back',
  'rollback_paused',
];

/** Per service: replicas wanted and healthy, and the state of its latest rollout (1 for the one it is in). */
export class ServiceMetrics {
  constructor(
    registry: Registry,
    source: { summaries(): Array<{ name: string; wanted: number; healthy: number; update: string | null }> },
  ) {
    new Gauge({
      name: 'poseidon_service_replicas',
      help: 'Replicas of a service: wanted, and healthy (running, and passing its health check if it has one)',
      labelNames: ['service', 'kind'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of source.summaries()) {
          this.set({ service: s.name, kind: 'wanted' }, s.wanted);
          this.set({ service: s.name, kind: 'healthy' }, s.healthy);
        }
      },
    });
    new Gauge({
      name: 'poseidon_service_update_state',
      help: "A service's latest rollout: 1 for the state it is in, 0 for the others",
      labelNames: ['service', 'state'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of source.summaries())
          for (const state of UPDATE_STATES) this.set({ service: s.name, state }, s.update === state ? 1 : 0);
      },
    });
  }
}
