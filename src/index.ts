// The package's library entry, `import { PoseidonClient } from 'poseidon'`: the typed Manager API
// client and the types it speaks. It loads the client alone (Node's own modules and Poseidon's
// leaves): never the server, the store or Docker's client, which only `poseidon manager` and
// `poseidon worker` need.

export {
  PoseidonClient,
  ManagerClient,
  ServerUnreachable,
  ServerNotTrusted,
  ServerSpeaksHttps,
  BadEventLine,
  BadExecLine,
} from './client/index.js';
export type { PoseidonClientOptions, ClientCredentials, RequestOptions, TlsSource } from './client/index.js';
/** Failures: `err.code` is stable (ERRORS); ask `isNotFound(err, 'task')` or `isRetryable(err)`, never a status. */
export { PoseidonError, RemoteError, ERRORS, isNotFound, isRetryable, isPermanent } from './errors/index.js';
export type { ErrorCode } from './errors/index.js';
/** What a task and a service spec hold (the same schemas the manager checks them with). */
export type { TaskSpec } from './task/index.js';
export type {
  ClusterEvent,
  ClusterEventType,
  ClusterStatusView,
  CreatedTokenView,
  EndpointView,
  ErrorBody,
  ExecLine,
  ExecRequest,
  HealthView,
  ManagerTaskView,
  NodeAvailability,
  NodeLabelsUpdate,
  NodeState,
  NodeStatusView,
  PortView,
  RemovedNodeView,
  RemovedVolumeView,
  ResourcesView,
  ServiceEndpointsView,
  ServiceSpec,
  ServiceTaskView,
  ServiceView,
  TaskUsageView,
  TaskViewField,
  TokenScope,
  TokenView,
  UpdateStatusView,
  VolumeView,
} from './api/index.js';
