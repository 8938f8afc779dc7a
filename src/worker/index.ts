// The worker: runs tasks as containers, keeps durable records, serves the Worker API.
export { Worker, type WorkerDeps, type TaskListener } from './worker.js';
export { createWorkerServer, type WorkerServerDeps } from './server.js';
export type { WorkerTaskRecord } from './record.js';
export { ManagerReporter, type ReporterDeps } from './reporter.js';
export { RevokedNodes } from './revoked-nodes.js';
export { portsInUseOutside } from './ports-in-use.js';
export { SelfFence, type SelfFenceDeps } from './self-fence.js';
/** Container starts a worker runs at once by default; `poseidon worker --start-concurrency` changes it. */
export { DEFAULT_START_CONCURRENCY } from './start-pacer.js';
/** Where a worker writes its tasks' secrets and configs (`poseidon dev --clean` removes it too). */
export { shmFilesRoot } from './task-files.js';
