import type { Readable } from 'node:stream';
import { TAR_MEDIA_TYPE } from '../api/archive-media.js';
import { COPY_AGE_HEADER, COPY_REVISION_HEADER } from '../api/copy-headers.js';
import { LOGS_NDJSON, type LogRead } from '../api/logs-media.js';
import { InvalidField } from '../errors/index.js';
import { copyOf, type CopyView } from './copy-view.js';
import { endpointsMessages } from './endpoints-stream.js';
import { clusterEvents, eventTime, type EventsWindow } from './events-stream.js';
import { execOutput } from './exec-stream.js';
import { HttpClient, type ClientCredentials } from './http-client.js';
import { logPieces, type LogPiece } from './log-stream.js';
import type {
  ClusterEvent,
  ClusterStatusView,
  ClusterUsageView,
  EndpointsApplied,
  EndpointsMessage,
  CreatedTokenView,
  ExecInput,
  ExecLine,
  ExecRequest,
  FileView,
  HeartbeatReply,
  HeartbeatRequest,
  JoinRequest,
  JoinTokenView,
  ManagerTaskView,
  NodeCertificateView,
  NodeLabelsUpdate,
  NodeStatusView,
  PathStatView,
  ProcessesView,
  RegisterRequest,
  RemovedNodeView,
  RemovedVolumeView,
  RenewRequest,
  ServiceEndpointsView,
  ServiceTaskView,
  ServiceView,
  TaskFilesReply,
  TaskReport,
  TaskUsageView,
  TokenScope,
  RevokedTokenView,
  TokenView,
  VolumeDetailView,
  VolumeView,
} from '../api/index.js';

/** What a read of a task's output asks for (`poseidon logs`); `signal` ends it. */
export interface LogsOptions extends LogRead {
  follow: boolean;
  signal?: AbortSignal;
}

/** Which tasks `GET /tasks` lists: by state, node (name or id) and service; all when empty. */
export interface TaskFilter {
  state?: string;
  node?: string;
  service?: string;
}

/** The Manager API, typed: used by the CLI and by workers. */
export class ManagerClient {
  readonly http: HttpClient;
  constructor(
    /** One manager's URL, or several comma-separated (managers as a group; see HttpClient). */
    baseUrl: string,
    timeoutMs = 10_000,
    /** An API token (people, scripts) and the cluster's CA for https://. */
    credentials: ClientCredentials = {},
  ) {
    const describe = (url: string): string => `manager at ${url}: is \`poseidon manager\` running?`;
    this.http = new HttpClient(baseUrl, describe, timeoutMs, managersOnly(credentials));
  }
  /** The manager calls go to now. */
  get baseUrl(): string {
    return this.http.baseUrl;
  }
  /** Every manager calls may go to: those given, and a leader one of them named. */
  get urls(): readonly string[] {
    return this.http.urls;
  }
  submit(body: unknown): Promise<ManagerTaskView> {
    return this.http.request('POST', '/tasks', { body });
  }
  /** The tasks, filtered by state, node (name or id) and service (its replicas, ended ones kept too). */
  listTasks(filter?: TaskFilter): Promise<ManagerTaskView[]>;
  /** Each task with the named fields alone (a manager before `fields` answers 400 invalid_request). */
  listTasks<K extends keyof ManagerTaskView>(
    filter: TaskFilter,
    fields: readonly K[],
  ): Promise<Array<Pick<ManagerTaskView, K>>>;
  listTasks(filter: TaskFilter = {}, fields?: readonly string[]): Promise<unknown> {
    return this.http.request('GET', '/tasks', { query: { ...filter, fields: fields?.join(',') } });
  }
  /** An id or a unique prefix of one. */
  getTask(id: string): Promise<ManagerTaskView> {
    return this.http.request('GET', `/tasks/${encodeURIComponent(id)}`);
  }
  stopTask(id: string): Promise<ManagerTaskView> {
    return this.http.request('DELETE', `/tasks/${encodeURIComponent(id)}`);
  }
  /** Cpu and memory use of a running task, from its worker. */
  taskStats(id: string): Promise<TaskUsageView> {
    return this.http.request('GET', `/tasks/${encodeURIComponent(id)}/stats`, { timeoutMs: 15_000 });
  }
  /** The container's output as it comes, stdout and stderr together as text. */
  async logs(id: string, opts: LogsOptions): Promise<Readable> {
    return (await this.#logs(id, opts, false)).body;
  }
  /**
   * The container's output as it comes, each piece with its stream (stdout, stderr); a manager
   * older than that gives it all as stdout.
   */
  async logStreams(id: string, opts: LogsOptions): Promise<AsyncGenerator<LogPiece, void, undefined>> {
    const answer = await this.#logs(id, opts, true);
    return logPieces(answer.body, answer.type);
  }
  #logs(id: string, opts: LogsOptions, apart: boolean): Promise<{ body: Readable; type: string }> {
    return this.http.typedStream(`/tasks/${encodeURIComponent(id)}/logs`, {
      query: {
        follow: opts.follow ? 'true' : undefined,
        tail: opts.tail,
        since: opts.since,
        until: opts.until,
        timestamps: opts.timestamps === true ? 'true' : undefined,
      },
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      ...(apart ? { accept: LOGS_NDJSON } : {}),
    });
  }
  /**
   * Runs a command in a running task's container (`poseidon exec`): its output as it comes, then
   * its exit code (`{exitCode}`), or why there is none (`{error}`). End it early with `signal`.
   */
  async exec(idOrPrefix: string, req: ExecRequest, signal?: AbortSignal): Promise<AsyncGenerator<ExecLine>> {
    const body = await this.http.stream(
      `/tasks/${encodeURIComponent(idOrPrefix)}/exec`,
      { body: req, ...(signal === undefined ? {} : { signal }) },
      'POST',
    );
    return execOutput(body, signal);
  }
  /**
   * Input for an interactive exec (`poseidon exec -i`), which its answer's first line named: bytes
   * for its stdin, a new terminal size, the end of its input. Resolves once the engine has taken
   * them, so calls made one after another reach the command in order; no deadline (a command that
   * does not read its stdin holds the call until it does, or exits).
   */
  async execInput(taskId: string, session: string, input: ExecInput): Promise<void> {
    await this.http.request('POST', `/tasks/${encodeURIComponent(taskId)}/exec/${encodeURIComponent(session)}/input`, {
      body: input,
      timeoutMs: 0,
    });
  }
  /** The processes of a task's running container (`poseidon top`), ps given `psArgs` (the engine's -ef without). */
  processes(idOrPrefix: string, psArgs?: string): Promise<ProcessesView> {
    return this.http.request('GET', `/tasks/${encodeURIComponent(idOrPrefix)}/top`, { query: { psArgs } });
  }
  /** What every running task uses now (`poseidon stats`), and the nodes that did not answer. */
  clusterStats(): Promise<ClusterUsageView> {
    return this.http.request('GET', '/stats', { timeoutMs: 15_000 });
  }
  /** What a path in a task's container is (`poseidon cp`); RemoteError `path_not_found` when it is not there. */
  statPath(idOrPrefix: string, path: string): Promise<PathStatView> {
    return this.http.request('GET', `/tasks/${encodeURIComponent(idOrPrefix)}/archive/stat`, { query: { path } });
  }
  /** A tar archive of a path in a task's container, as it streams; `signal` ends it. */
  getArchive(idOrPrefix: string, path: string, signal?: AbortSignal): Promise<Readable> {
    return this.http.stream(`/tasks/${encodeURIComponent(idOrPrefix)}/archive`, {
      query: { path },
      ...(signal === undefined ? {} : { signal }),
    });
  }
  /**
   * Unpacks a tar archive into `path`, a directory of a task's container; resolves once it is all
   * there. The archive is sent once, to the manager this client calls now (see HttpClient.upload).
   */
  async putArchive(idOrPrefix: string, path: string, tar: Readable, signal?: AbortSignal): Promise<void> {
    await this.http.upload('PUT', `/tasks/${encodeURIComponent(idOrPrefix)}/archive`, tar, TAR_MEDIA_TYPE, {
      query: { path },
      ...(signal === undefined ? {} : { signal }),
    });
  }
  /**
   * Task, node and service events, newline-delimited JSON: with `since`, first those the manager
   * kept from then (its last 10,000), then each as it happens; with `until`, the stream ends then.
   */
  events(signal?: AbortSignal, window: EventsWindow = {}): Promise<Readable> {
    const query = new URLSearchParams();
    if (window.since !== undefined) query.set('since', eventTime(window.since));
    if (window.until !== undefined) query.set('until', eventTime(window.until));
    const path = query.size === 0 ? '/events' : `/events?${query.toString()}`;
    return this.http.stream(path, signal === undefined ? {} : { signal });
  }
  /**
   * Task, node and service events, typed: with `window`, from a time past and until a time. It
   * resolves once the manager has subscribed this client (no event after that is missed); iterate
   * it with `for await`, and end it with `break` or `signal`. A line that is not an event throws.
   */
  async watchEvents(
    signal?: AbortSignal,
    window: EventsWindow = {},
  ): Promise<AsyncGenerator<ClusterEvent, void, undefined>> {
    return clusterEvents(await this.events(signal, window), signal);
  }
  listServices(): Promise<ServiceView[]> {
    return this.http.request('GET', '/services');
  }
  getService(name: string): Promise<ServiceView> {
    return this.http.request('GET', `/services/${encodeURIComponent(name)}`);
  }
  /** A service spec (the manager checks it and fills its defaults); 409 service_exists for a name taken. */
  createService(spec: unknown): Promise<ServiceView> {
    return this.http.request('POST', '/services', { body: spec });
  }
  /** A new spec: a change of what runs is a new version, rolled out; anything else applies as it is. */
  updateService(name: string, spec: unknown): Promise<ServiceView> {
    return this.http.request('PUT', `/services/${encodeURIComponent(name)}`, { body: spec });
  }
  /** Removes the service; its tasks stop. */
  removeService(name: string): Promise<ServiceView> {
    return this.http.request('DELETE', `/services/${encodeURIComponent(name)}`);
  }
  scaleService(name: string, replicas: number): Promise<ServiceView> {
    return this.http.request('POST', `/services/${encodeURIComponent(name)}/scale`, { body: { replicas } });
  }
  /** Back to the previous version, by the service's rollback block. */
  rollbackService(name: string): Promise<ServiceView> {
    return this.http.request('POST', `/services/${encodeURIComponent(name)}/rollback`);
  }
  /** The service's tasks (wanted running, or still stopping), by slot and version. */
  serviceTasks(name: string): Promise<ServiceTaskView[]> {
    return this.http.request('GET', `/services/${encodeURIComponent(name)}/tasks`);
  }
  /** The service's virtual IP, DNS names, ports and each replica's endpoint with its state. */
  serviceEndpoints(name: string): Promise<ServiceEndpointsView> {
    return this.http.request('GET', `/services/${encodeURIComponent(name)}/endpoints`);
  }
  /** The managers, which one leads, and the store's members (`GET /status`). */
  clusterStatus(): Promise<ClusterStatusView> {
    return this.http.request('GET', '/status');
  }
  /**
   * `GET /status`, and how current the copy of the follower that answered is (CopyView: the
   * caller's token was checked against it); no copy from a leader, a lone manager, or an older one.
   */
  async clusterStatusAndCopy(): Promise<{ status: ClusterStatusView; copy?: CopyView }> {
    const { body, header } = await this.http.answer<ClusterStatusView>('GET', '/status');
    const copy = copyOf(header(COPY_REVISION_HEADER), header(COPY_AGE_HEADER));
    return copy === undefined ? { status: body } : { status: body, copy };
  }
  listNodes(): Promise<NodeStatusView[]> {
    return this.http.request('GET', '/nodes');
  }
  /** Named volumes: the node holding each, and the unfinished tasks that mount it. */
  listVolumes(): Promise<VolumeView[]> {
    return this.http.request('GET', '/volumes');
  }
  /** One named volume: its node, and each unfinished task that mounts it, with its service and node. */
  getVolume(name: string): Promise<VolumeDetailView> {
    return this.http.request('GET', `/volumes/${encodeURIComponent(name)}`);
  }
  /** Removes a named volume from its node; refused (volume_in_use) while an unfinished task mounts it. */
  removeVolume(name: string): Promise<RemovedVolumeView> {
    return this.http.request('DELETE', `/volumes/${encodeURIComponent(name)}`);
  }
  /**
   * Creates a secret or config from its value, bytes or a string (its UTF-8 bytes); the same name
   * and value again answers the one there, another value is refused (file_exists).
   */
  async createFile(
    kind: 'secret' | 'config',
    req: { name: string; data: Uint8Array | string; labels?: Record<string, string> },
  ): Promise<FileView> {
    const body = { name: req.name, data: base64Of(req.data), ...(req.labels ? { labels: req.labels } : {}) };
    return this.http.request('POST', `/${kind}s`, { body });
  }
  /** Secrets or configs: never a secret's value. */
  listFiles(kind: 'secret' | 'config'): Promise<FileView[]> {
    return this.http.request('GET', `/${kind}s`);
  }
  /** One secret or config (a config with its value, base64, as `data`). */
  getFile(kind: 'secret' | 'config', name: string): Promise<FileView> {
    return this.http.request('GET', `/${kind}s/${encodeURIComponent(name)}`);
  }
  /** Removes a secret or config; refused (file_in_use) while an unfinished task or a service mounts it. */
  removeFile(kind: 'secret' | 'config', name: string): Promise<FileView> {
    return this.http.request('DELETE', `/${kind}s/${encodeURIComponent(name)}`);
  }
  /** A worker: the values of what a task placed on it mounts (its node certificate, that placement's generation). */
  taskFiles(nodeId: string, taskId: string, generation: number): Promise<TaskFilesReply> {
    return this.http.request('POST', `/nodes/${encodeURIComponent(nodeId)}/task-files`, {
      body: { taskId, generation },
    });
  }
  /** A new API token; the answer's `token` is the only time its secret is shown. */
  createToken(req: { scope: TokenScope; ttl?: string; name?: string }): Promise<CreatedTokenView> {
    return this.http.request('POST', '/tokens', { body: req });
  }
  listTokens(): Promise<TokenView[]> {
    return this.http.request('GET', '/tokens');
  }
  /** Idempotent: `alreadyRevoked` says it had been revoked before (absent from managers older than it). */
  revokeToken(id: string): Promise<RevokedTokenView> {
    return this.http.request('DELETE', `/tokens/${encodeURIComponent(id)}`);
  }
  /** The token this client sends, as the manager sees it. */
  whoami(): Promise<TokenView> {
    return this.http.request('GET', '/whoami');
  }
  register(body: RegisterRequest): Promise<HeartbeatReply> {
    return this.http.request('POST', '/nodes/register', { body });
  }
  /** A node's beat; `timeoutMs` bounds it (a worker's last beat as it stops must not hold the stop up). */
  heartbeat(nodeId: string, body: HeartbeatRequest, opts: { timeoutMs?: number } = {}): Promise<HeartbeatReply> {
    return this.http.request('POST', `/nodes/${encodeURIComponent(nodeId)}/heartbeat`, { body, ...opts });
  }
  report(nodeId: string, tasks: TaskReport[]): Promise<void> {
    return this.http.request('POST', `/nodes/${encodeURIComponent(nodeId)}/reports`, { body: { tasks } });
  }
  /** Removes a node (by id or name) and revokes its certificate at once. */
  /** `dead`: the machine is gone (its containers too), so its exclusive tasks may run elsewhere. */
  removeNode(idOrName: string, opts: { dead?: boolean } = {}): Promise<RemovedNodeView> {
    return this.http.request('DELETE', `/nodes/${encodeURIComponent(idOrName)}`, {
      query: { dead: opts.dead === true ? 'true' : undefined },
    });
  }
  /** Drains a node (by id or name): no new placements, its tasks move elsewhere. */
  drainNode(idOrName: string): Promise<NodeStatusView> {
    return this.http.request('POST', `/nodes/${encodeURIComponent(idOrName)}/drain`);
  }
  /** Pauses a node (by id or name): no new placements, its tasks stay. */
  pauseNode(idOrName: string): Promise<NodeStatusView> {
    return this.http.request('POST', `/nodes/${encodeURIComponent(idOrName)}/pause`);
  }
  /** Makes a drained or paused node take work again. */
  activateNode(idOrName: string): Promise<NodeStatusView> {
    return this.http.request('POST', `/nodes/${encodeURIComponent(idOrName)}/activate`);
  }
  /** Sets the operator's labels of a node (over its worker's) and removes others. */
  updateNodeLabels(idOrName: string, body: NodeLabelsUpdate): Promise<NodeStatusView> {
    return this.http.request('POST', `/nodes/${encodeURIComponent(idOrName)}/labels`, { body });
  }
  /** Joins the cluster with a join token: a certificate for the key whose CSR is sent. */
  join(body: JoinRequest): Promise<NodeCertificateView> {
    return this.http.request('POST', '/join', { body });
  }
  /** A new certificate for the calling node (mutual TLS with its current one). */
  renewCertificate(body: RenewRequest): Promise<NodeCertificateView> {
    return this.http.request('POST', '/certificates/renew', { body });
  }
  /** A new worker join token; the old one joins no one from now on. */
  rotateJoinToken(): Promise<JoinTokenView> {
    return this.http.request('POST', '/join-token/rotate');
  }
  /**
   * The endpoint stream (a node certificate): a snapshot first, then changes and pings, until the
   * manager ends it or `signal` aborts (then it ends quietly). A line that is not a message throws.
   */
  async *watchEndpoints(signal?: AbortSignal): AsyncGenerator<EndpointsMessage, void, undefined> {
    const body = await this.http.stream('/endpoints/watch', signal === undefined ? {} : { signal });
    yield* endpointsMessages(body, signal);
  }
  /** The revision this host's DNS server and proxy serve now, and the open connections of draining endpoints. */
  endpointsApplied(body: EndpointsApplied): Promise<void> {
    return this.http.request('POST', '/endpoints/applied', { body });
  }
}

/**
 * Only a manager serves the Manager API: a server whose certificate is a worker's of the cluster
 * is not called. A worker chooses the addresses its certificate names when it joins (and renews),
 * so one on the manager's host, or one that asked for the manager's address, holds a certificate
 * the cluster's CA vouches for under the manager's name; before this, the CLI and scripts sent it
 * their token (test/unit/client/manager-role.test.ts). A function source (a node's renewing
 * credentials) states its own role.
 */
function managersOnly(credentials: ClientCredentials): ClientCredentials {
  const tls = credentials.tls;
  if (tls === undefined || typeof tls === 'function' || tls.serverRole !== undefined) return credentials;
  return { ...credentials, tls: { ...tls, serverRole: 'manager' } };
}

/**
 * A value as the API carries it, base64. A script without types may pass a string: `'pw'.toString('base64')`
 * would send the string itself as base64, which decodes to other bytes (or none), so a string is its UTF-8.
 */
function base64Of(data: unknown): string {
  if (typeof data === 'string') return Buffer.from(data, 'utf8').toString('base64');
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  const kind = data === null ? 'null' : typeof data;
  throw new InvalidField('data', `is ${kind}; give the value as a Buffer or a string (its UTF-8 bytes)`);
}
