import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { NodeStatusView } from '../api/index.js';
import type { StoreStats } from '../store/index.js';
import { TASK_STATES, type TaskState } from '../task/index.js';

/** The manager's series, in the server's own registry. */
export class ManagerMetrics {
  readonly placements: Counter<'result'>;
  readonly schedulingSeconds: Histogram;
  readonly dispatchSeconds: Histogram<'result'>;
  readonly nodesDown: Counter;
  readonly restarts: Counter;
  readonly reconcileSeconds: Histogram;

  constructor(
    registry: Registry,
    source: {
      tasksByState(): Map<TaskState, number>;
      nodesByState(): Map<string, number>;
      nodes(): NodeStatusView[];
      storeStats(): StoreStats;
    },
  ) {
    // the store counts; these counters catch up with it on each scrape
    const seen: StoreStats = { writes: 0, commits: 0 };
    new Counter({
      name: 'poseidon_store_writes_total',
      help: 'Records written to (or deleted from) the store',
      registers: [registry],
      collect() {
        const now = source.storeStats().writes;
        if (now > seen.writes) this.inc(now - seen.writes);
        seen.writes = now;
      },
    });
    new Counter({
      name: 'poseidon_store_commits_total',
      help: 'Store transactions committed; writes per commit shows how far concurrent writes share one (group commit)',
      registers: [registry],
      collect() {
        const now = source.storeStats().commits;
        if (now > seen.commits) this.inc(now - seen.commits);
        seen.commits = now;
      },
    });
    new Gauge({
      name: 'poseidon_manager_tasks',
      help: 'Tasks by observed state',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const counts = source.tasksByState();
        for (const state of TASK_STATES) this.set({ state }, counts.get(state) ?? 0);
      },
    });
    new Gauge({
      name: 'poseidon_manager_nodes',
      help: 'Nodes by state',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const counts = source.nodesByState();
        for (const state of ['Up', 'Down', 'Unknown']) this.set({ state }, counts.get(state) ?? 0);
      },
    });
    new Gauge({
      name: 'poseidon_node_resources',
      help: 'Node cpu (cores), memory and disk (bytes): capacity and allocated to tasks',
      labelNames: ['node', 'resource', 'kind'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const n of source.nodes()) {
          for (const kind of ['capacity', 'allocated'] as const) {
            this.set({ node: n.name, resource: 'cpu', kind }, n[kind].cpuCores);
            this.set({ node: n.name, resource: 'memory', kind }, n[kind].memoryBytes);
            this.set({ node: n.name, resource: 'disk', kind }, n[kind].diskBytes);
          }
        }
      },
    });
    this.placements = new Counter({
      name: 'poseidon_scheduler_placements_total',
      help: 'Placement attempts by result',
      labelNames: ['result'] as const,
      registers: [registry],
    });
    this.schedulingSeconds = new Histogram({
      name: 'poseidon_scheduling_latency_seconds',
      help: 'Time from a task becoming pending to its placement',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    });
    this.dispatchSeconds = new Histogram({
      name: 'poseidon_dispatch_latency_seconds',
      help: 'Duration of the dispatch call to a worker',
      labelNames: ['result'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    });
    this.restarts = new Counter({
      name: 'poseidon_manager_task_restarts_total',
      help: 'Task restarts placed by the restart policy',
      registers: [registry],
    });
    this.nodesDown = new Counter({
      name: 'poseidon_manager_nodes_down_total',
      help: 'Times a node was declared down',
      registers: [registry],
    });
    this.reconcileSeconds = new Histogram({
      name: 'poseidon_reconcile_duration_seconds',
      help: 'Duration of one reconcile pass',
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    });
  }
}
