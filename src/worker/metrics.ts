import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { TASK_STATES, type TaskState } from '../task/index.js';

/** The worker's own series, in the server's registry (never the global one). */
export class WorkerMetrics {
  readonly starts: Counter<'result'>;
  readonly startSeconds: Histogram;
  readonly exits: Counter<'state'>;
  readonly eventStreamReconnects: Counter;
  readonly healthChecks: Counter<'type' | 'result'>;
  readonly healthFailures: Counter<'type'>;

  constructor(registry: Registry, countByState: () => Map<TaskState, number>) {
    new Gauge({
      name: 'poseidon_worker_tasks',
      help: 'Tasks on this worker by state',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const counts = countByState();
        for (const state of TASK_STATES) this.set({ state }, counts.get(state) ?? 0);
      },
    });
    this.starts = new Counter({
      name: 'poseidon_worker_task_starts_total',
      help: 'Container starts by result',
      labelNames: ['result'] as const,
      registers: [registry],
    });
    this.startSeconds = new Histogram({
      name: 'poseidon_worker_task_start_duration_seconds',
      help: 'Time from accepting a task to its container running',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
    this.exits = new Counter({
      name: 'poseidon_worker_task_exits_total',
      help: 'Task containers that ended, by final state',
      labelNames: ['state'] as const,
      registers: [registry],
    });
    this.eventStreamReconnects = new Counter({
      name: 'poseidon_worker_event_resyncs_total',
      help: 'Resyncs with the Docker engine after its event stream broke',
      registers: [registry],
    });
    this.healthChecks = new Counter({
      name: 'poseidon_worker_health_checks_total',
      help: 'Health checks run, by check type and result (healthy|unhealthy)',
      labelNames: ['type', 'result'] as const,
      registers: [registry],
    });
    // every probe is counted above; this counts the verdicts that cost a task its container
    this.healthFailures = new Counter({
      name: 'poseidon_worker_health_check_failures_total',
      help: 'Tasks declared unhealthy (failureThreshold consecutive failed checks) and stopped, by check type',
      labelNames: ['type'] as const,
      registers: [registry],
    });
  }
}
