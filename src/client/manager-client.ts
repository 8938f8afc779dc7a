import type { Readable } from 'node:stream';
import { HttpClient } from './http-client.js';
import type {
  HeartbeatReply,
  HeartbeatRequest,
  ManagerTaskView,
  NodeStatusView,
  RegisterRequest,
  TaskReport,
  TaskUsageView,
} from '../api/index.js';

/** The Manager API, typed: used by the CLI and by workers. */
export class ManagerClient {
  readonly http: HttpClient;
  constructor(
    readonly baseUrl: string,
    timeoutMs = 10_000,
  ) {
    this.http = new HttpClient(baseUrl, (url) => `manager at ${url}: is \`poseidon manager\` running?`, timeoutMs);
  }
  submit(body: unknown): Promise<ManagerTaskView> {
    return this.http.request('POST', '/tasks', { body });
  }
  listTasks(filter: { state?: string; node?: string } = {}): Promise<ManagerTaskView[]> {
    return this.http.request('GET', '/tasks', { query: filter });
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
  /** The container's output as it comes (stdout and stderr). */
  logs(id: string, opts: { follow: boolean; tail?: number; signal?: AbortSignal }): Promise<Readable> {
    return this.http.stream(`/tasks/${encodeURIComponent(id)}/logs`, {
      query: { follow: opts.follow ? 'true' : undefined, tail: opts.tail },
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
  }
  /** Task and node events as they happen, newline-delimited JSON. */
  events(signal?: AbortSignal): Promise<Readable> {
    return this.http.stream('/events', signal === undefined ? {} : { signal });
  }
  listNodes(): Promise<NodeStatusView[]> {
    return this.http.request('GET', '/nodes');
  }
  register(body: RegisterRequest): Promise<HeartbeatReply> {
    return this.http.request('POST', '/nodes/register', { body });
  }
  heartbeat(nodeId: string, body: HeartbeatRequest): Promise<HeartbeatReply> {
    return this.http.request('POST', `/nodes/${encodeURIComponent(nodeId)}/heartbeat`, { body });
  }
  report(nodeId: string, tasks: TaskReport[]): Promise<void> {
    return this.http.request('POST', `/nodes/${encodeURIComponent(nodeId)}/reports`, { body: { tasks } });
  }
}
