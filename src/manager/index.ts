// The manager: durable desired state, placement, observed state from workers, reconcile. Its
// parts, each with one job, are wired in wiring.ts; Manager is their facade.
export { Manager, type ManagerDeps, type ManagerRecord } from './manager.js';
export { wireManager, type ManagerParts } from './wiring.js';
/** The Worker API calls the manager makes (WorkerClient has them); startTasks batches starts. */
export type { WorkerCalls } from './dispatcher.js';
export { createManagerServer } from './server.js';
/** Polls workers given with --workers (the seed's static list). */
export { StaticWorkers } from './static-workers.js';
export { ManagerGroup, StateCopy, forwardToLeader, managerJoinTokenPath } from './group/index.js';
/** Pure decision: desired vs observed -> actions. */
export { reconcile, type Action, type ClusterSnapshot, DISPATCH_RETRY_MS } from './reconcile.js';
export type { TaskRecord, NodeRecord } from './records.js';
