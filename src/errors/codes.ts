/**
 * Every error code Poseidon answers with, each defined once with the HTTP status it maps to and
 * whether retrying may help. Codes are part of the API (snake_case, never renamed); the classes
 * that carry them take their status from here, and a client rebuilds an error from its code.
 */
export interface ErrorSpec {
  readonly code: string;
  readonly status: number;
  /** Retrying the same call later may succeed (the server was busy, away or stopping). */
  readonly temporary: boolean;
}

function spec<const C extends string>(code: C, status: number, temporary = false): ErrorSpec & { code: C } {
  return { code, status, temporary };
}

export const ERRORS = {
  // the request itself
  invalid_request: spec('invalid_request', 400),
  invalid_json: spec('invalid_json', 400),
  bad_request: spec('bad_request', 400),
  body_too_large: spec('body_too_large', 413),
  unsupported_media_type: spec('unsupported_media_type', 415),
  /** No such route: not the same as a task or node that is not there. */
  not_found: spec('not_found', 404),
  // credentials (src/http/access.ts): nobody could be identified, or the caller may not do this
  unauthenticated: spec('unauthenticated', 401),
  forbidden: spec('forbidden', 403),
  /** A node certificate the manager revoked (`poseidon node rm`): its worker has no cluster now. */
  node_removed: spec('node_removed', 401),
  /** A join token pins another CA than the manager's: another cluster, or something in between. */
  ca_mismatch: spec('ca_mismatch', 403),
  // tasks and nodes
  task_not_found: spec('task_not_found', 404),
  node_not_found: spec('node_not_found', 404),
  ambiguous_id: spec('ambiguous_id', 409),
  task_exists: spec('task_exists', 409),
  /** A task not ended holds the name a submission asks for (as docker's container name in use). */
  task_name_taken: spec('task_name_taken', 409),
  task_not_placed: spec('task_not_placed', 409),
  /** `poseidon exec` into a task whose container is not running (not started yet, or ended). */
  task_not_running: spec('task_not_running', 409),
  /**
   * The task's worker is older than the manager and refused fields of the call it does not know
   * (`poseidon exec -d` on a worker from before -d): upgrade that worker.
   */
  worker_too_old: spec('worker_too_old', 409),
  /** Input for an interactive exec that has ended (its command exited) or never was. */
  exec_session_not_found: spec('exec_session_not_found', 404),
  /** A worker already runs as many interactive execs as it allows. */
  too_many_exec_sessions: spec('too_many_exec_sessions', 503, true),
  /** A worker already holds as many tunnels (a proxy on another host to its replicas) as it allows. */
  too_many_tunnels: spec('too_many_tunnels', 503, true),
  node_name_taken: spec('node_name_taken', 409),
  /** A worker registered the URL another live node registered (only a certificate says which listens there). */
  node_url_taken: spec('node_url_taken', 409),
  invalid_transition: spec('invalid_transition', 409),
  /** `node rm` of a node that may still run an exclusive task: only `--dead` says its copies are gone. */
  node_holds_exclusive: spec('node_holds_exclusive', 409),
  // services
  service_not_found: spec('service_not_found', 404),
  service_exists: spec('service_exists', 409),
  /** A rollback of a service that has had one version only. */
  no_previous_version: spec('no_previous_version', 409),
  /** A rollback of a job: a job runs again on update instead. */
  job_has_no_rollback: spec('job_has_no_rollback', 409),
  /** Every address of the manager's --vip-range is some service's virtual IP. */
  vip_range_full: spec('vip_range_full', 409),
  // named volumes
  volume_not_found: spec('volume_not_found', 404),
  /** A task that is not finished mounts it (manager), or a running container does (worker). */
  volume_in_use: spec('volume_in_use', 409),
  // secrets and configs
  file_not_found: spec('file_not_found', 404),
  /** A secret or config of that name holds another value: values never change; use a new name. */
  file_exists: spec('file_exists', 409),
  /** An unfinished task or a service mounts it. */
  file_in_use: spec('file_in_use', 409),
  // API tokens
  token_not_found: spec('token_not_found', 404),
  last_admin_token: spec('last_admin_token', 409),
  // containers and the engine
  docker_unreachable: spec('docker_unreachable', 503, true),
  /** A worker's Poseidon network cannot be made (its subnet overlaps another network's) or is not as told. */
  network_unusable: spec('network_unusable', 409),
  image_unavailable: spec('image_unavailable', 422),
  container_start_failed: spec('container_start_failed', 422),
  container_gone: spec('container_gone', 410),
  /** `poseidon cp` of a task that has no container yet (not started) or any more (removed). */
  task_has_no_container: spec('task_has_no_container', 409),
  /** `poseidon cp`: the path is not in the container (nor, for an upload, the directory it goes to). */
  path_not_found: spec('path_not_found', 404),
  /** `poseidon cp`: the engine would not unpack there (a read-only file system, a file where a directory goes). */
  copy_refused: spec('copy_refused', 422),
  // servers and the calls between them
  worker_stopping: spec('worker_stopping', 503, true),
  /** A request that came while its server stops (SIGTERM); those taken in before finish. */
  server_stopping: spec('server_stopping', 503, true),
  unreachable: spec('unreachable', 503, true),
  bad_answer: spec('bad_answer', 502, true),
  wait_timed_out: spec('wait_timed_out', 408),
  /** A wait for replicas that every slot's restart policy gave up on, none healthy (the CLI's own). */
  replicas_failing: spec('replicas_failing', 422),
  /** A `--wait` ended at once: no node of the cluster could ever hold a task it waits for (it stays Pending). */
  unplaceable: spec('unplaceable', 422),
  /** GET /events already serves as many streams as the manager allows. */
  too_many_subscribers: spec('too_many_subscribers', 503, true),
  /** The replicated store (etcd) cannot be reached or did not answer in time: nothing was acknowledged. */
  store_unavailable: spec('store_unavailable', 503, true),
  /** A manager that no longer leads tried to write: its fence (its leadership) no longer holds. */
  not_leader: spec('not_leader', 503, true),
  /** Managers as a group between two leaders (an election under way): nothing was done; try again. */
  no_leader: spec('no_leader', 503, true),
  internal: spec('internal', 500, true),
} as const;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}
