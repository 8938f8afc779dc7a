// The wire: what the manager, the workers and the CLI send each other, as TypeBox schemas (one
// per type: the validator and the TypeScript type) and view types. No server or client code
// lives here, so a client that imports a type loads neither fastify nor the store.
/** The one error body: `{"error": {"code", "message"}}`. */
export { ErrorBody } from './error-body.js';
/** Views (response schemas and their types) of tasks as workers report them, ports, health, usage. */
export {
  WorkerTaskView,
  PortView,
  HealthView,
  HealthStatus,
  TaskStateView,
  TaskUsageView,
  HostStatsView,
  WorkerStatsView,
} from './views.js';
export {
  TaskReport,
  RegisterRequest,
  NodeLabelsUpdate,
  HeartbeatRequest,
  RevokedListRequest,
  RevokedVersion,
  MAX_REVOKED_IDS,
  ReportRequest,
  BatchStartRequest,
  BatchStartResult,
  BatchStartReply,
  EngineStatus,
  NodeMetrics,
  MAX_PORTS_IN_USE,
  HOST_PORT_KEY_PATTERN,
  MAX_ALLOWED_HOST_PATHS,
  MAX_BATCH_START,
  MAX_REGISTER_TASKS,
  REPORT_SLACK,
  toReport,
} from './cluster.js';
export type { BatchStart } from './cluster.js';
/** What the Manager API answers about tasks and nodes; `fields` of a task a list may name. */
export {
  HeartbeatReply,
  ManagerTaskView,
  PartialTaskView,
  ServiceTaskView,
  TASK_VIEW_FIELDS,
  parseTaskFields,
  NodeStatusView,
  NodeAvailability,
  NodeState,
  ResourcesView,
  DesiredState,
  UnplaceableView,
} from './manager-views.js';
export type { TaskViewField } from './manager-views.js';
/** `GET /tasks/{id}/logs`: its query, and the bound on lines read from the past. */
export {
  asksNdjson,
  LOGS_NDJSON,
  LogsQuery,
  MAX_LOG_TAIL_LINES,
  isFollow,
  logFilters,
  logTail,
  logsFramed,
  logsResponse,
} from './logs.js';
export type { LogLine } from './logs.js';
/** A heartbeat's summary of a worker's active tasks instead of the list; equal digests, equal sets. */
export { TaskDigest, TaskDigestBuilder, digestOf } from './task-digest.js';
/** Joining the cluster, renewing a node certificate, rotating the join token, removing a node. */
export { JoinRequest, RenewRequest, NodeCertificateView, JoinTokenView, RemovedNodeView } from './pki.js';
/** API tokens: the create request, the view (never the secret) and the answer that carries it once. */
export {
  CreateTokenRequest,
  TOKEN_SCOPES,
  TOKEN_NAME_PATTERN,
  TokenState,
  TokenView,
  CreatedTokenView,
  RevokedTokenView,
} from './tokens.js';
export type { TokenScope } from './tokens.js';
/** Named volumes: which node holds each, and which tasks use it (`GET /volumes`, `GET|DELETE /volumes/{name}`). */
export { VolumeParams, VolumeView, VolumeDetailView, VolumeUserView, RemovedVolumeView } from './volumes.js';
/** Services: the spec people write (files, POST /services), scaling, and what a service looks like. */
export {
  ServiceSpec,
  ServiceMode,
  PlacementPreference,
  MAX_PREFERENCES,
  ServiceName,
  TaskTemplate,
  UpdateConfigSpec,
  UpdateOrder,
  FailureAction,
  ScaleRequest,
  MAX_REPLICAS,
  MAX_SERVICE_LABELS,
  STACK_LABEL,
  UpdateState,
  UpdateStatusView,
  JobState,
  JobStatusView,
  ServiceView,
} from './service.js';
/** `poseidon.service`: the label on each replica as its worker gets it (tunnels reach replicas only). */
export { SERVICE_LABEL } from './service-label.js';
export { SERVICE_MODES, isGlobalMode, isJobMode, type ServiceModeName } from './service-modes.js';
export type { ServiceTaskRef } from './service.js';
/** Discovery: each service's virtual IP, ports and endpoints, the stream hosts follow, and what they applied. */
export {
  EndpointsApplied,
  EndpointState,
  EndpointView,
  EndpointsMessage,
  ServiceEndpointsView,
  ServicePortView,
} from './endpoints.js';
/** `GET /status`: the managers, the leader, and the store's members. */
export { ClusterStatusView, ManagerMemberView, StoreMemberView, StoreStatusView } from './cluster-status.js';
/** `GET /events`: what happened, one JSON object a line. */
export { ClusterEvent, CLUSTER_EVENT_TYPES, EventsQuery, eventWindow, type EventWindow } from './events.js';
export type { ClusterEventType } from './events.js';
/** `POST /tasks/{id}/exec` (`poseidon exec`): the command, and the lines of output and exit code that answer it. */
export {
  checkExecRequest,
  ExecInput,
  ExecRequest,
  execResponse,
  ExecSessionParams,
  MAX_EXEC_ARGS,
  MAX_EXEC_ARG_BYTES,
  MAX_EXEC_INPUT_BYTES,
  MAX_EXEC_TIMEOUT_MS,
  TerminalSize,
} from './exec.js';
export type { ExecEncoding, ExecLine } from './exec.js';
/** `poseidon cp`: a path in a task's container, its stat, and the bound on an upload. */
export {
  ArchiveQuery,
  MAX_ARCHIVE_PATH_BYTES,
  MAX_ARCHIVE_UPLOAD_BYTES,
  PathKind,
  PathStatView,
  TAR_MEDIA_TYPE,
} from './archive.js';
/** `GET /stats` (`poseidon stats`): what each running task uses, and the nodes that did not say. */
export { ClusterTaskUsageView, ClusterUsageView } from './usage.js';
/** `GET /tasks/{id}/top` (`poseidon top`): the processes of a task's running container. */
export { ProcessesView, TopQuery } from './processes.js';
/** The `{id}` of every `/tasks/{id}/…` route. */
export { TaskParams } from './params.js';
/** Secrets and configs (`poseidon secret|config`), and the values a worker asks for a task it runs. */
export { CreateFileRequest, FileParams, FileView, MountedFileView, TaskFilesReply, TaskFilesRequest } from './files.js';
