// Shared HTTP pieces: the server builder with Poseidon's edges, the error shape, wire views
// and typed clients. Manager and worker meet only through here.
export { buildServer, BODY_LIMIT_BYTES, type ServerOptions } from './server.js';
export { sendError, type ErrorBody } from './error-handler.js';
export type {
  WorkerTaskView,
  PortView,
  HealthView,
  HealthStatus,
  TaskUsageView,
  HostStatsView,
  WorkerStatsView,
} from './views.js';
/** JSON over HTTP; remote errors come back as RemoteError, silence as ServerUnreachable. */
export { HttpClient, ServerUnreachable, type RequestOptions } from './http-client.js';
export { WorkerClient, type StartTaskOptions, type BatchStart, type BatchStartResult } from './worker-client.js';
export {
  TaskReport,
  RegisterRequest,
  HeartbeatRequest,
  ReportRequest,
  BatchStartRequest,
  MAX_BATCH_START,
  toReport,
} from './cluster.js';
export type {
  HeartbeatReply,
  ManagerTaskView,
  NodeStatusView,
  NodeState,
  ResourcesView,
  DesiredState,
} from './cluster.js';
export { ManagerClient, DEFAULT_MANAGER_URL } from './manager-client.js';
/** A heartbeat's summary of a worker's active tasks instead of the list; equal digests, equal sets. */
export { TaskDigest, TaskDigestBuilder, digestOf } from './task-digest.js';
