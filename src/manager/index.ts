// The manager: durable desired state, placement, observed state from workers, reconcile.
export { Manager, type ManagerDeps, type ManagerRecord } from './manager.js';
export { createManagerServer } from './server.js';
/** Polls workers given with --workers (the seed's static list). */
export { StaticWorkers } from './static-workers.js';
/** Pure decision: desired vs observed -> actions. */
export { reconcile, type Action, type ClusterSnapshot, DISPATCH_RETRY_MS } from './reconcile.js';
export type { TaskRecord, NodeRecord } from './records.js';
