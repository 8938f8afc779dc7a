import { HttpClient, type ClientCredentials } from './http-client.js';
import type {
  BatchStart,
  BatchStartResult,
  ProcessesView,
  TaskUsageView,
  WorkerStatsView,
  WorkerTaskView,
} from '../api/index.js';

export interface StartTaskOptions {
  generation?: number;
  /** How long the worker waits for the container before answering; 0 answers at once. */
  waitMs?: number;
  timeoutMs?: number;
}

/** The Worker API, typed. Used by the manager, the tests and the benchmarks. */
export class WorkerClient {
  readonly http: HttpClient;
  constructor(
    readonly baseUrl: string,
    timeoutMs = 10_000,
    credentials: ClientCredentials = {},
  ) {
    this.http = new HttpClient(
      baseUrl,
      (url) => `worker at ${url}: is \`poseidon worker\` running?`,
      timeoutMs,
      credentials,
    );
  }
  startTask(body: unknown, opts: StartTaskOptions = {}): Promise<WorkerTaskView> {
    return this.http.request('POST', '/tasks', {
      body,
      query: { generation: opts.generation, wait: opts.waitMs === undefined ? undefined : `${opts.waitMs}ms` },
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    });
  }
  /**
   * Several starts in one request, each idempotent like startTask; one answer per task, in
   * order. A worker without the route answers 404 `not_found`: send one startTask each then.
   */
  async startTasks(
    tasks: readonly BatchStart[],
    opts: Omit<StartTaskOptions, 'generation'> = {},
  ): Promise<BatchStartResult[]> {
    const answer = await this.http.request<{ results: BatchStartResult[] }>('POST', '/tasks/batch', {
      body: { tasks },
      query: { wait: opts.waitMs === undefined ? undefined : `${opts.waitMs}ms` },
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    });
    return answer.results;
  }
  listTasks(): Promise<WorkerTaskView[]> {
    return this.http.request('GET', '/tasks');
  }
  getTask(id: string): Promise<WorkerTaskView> {
    return this.http.request('GET', `/tasks/${encodeURIComponent(id)}`);
  }
  /**
   * With `generation`, only a copy of that generation or older is stopped (fencing). The worker
   * answers once the container is stopped and removed: `timeoutMs` should cover its stop grace.
   */
  stopTask(id: string, opts: { generation?: number; timeoutMs?: number } = {}): Promise<WorkerTaskView> {
    return this.http.request('DELETE', `/tasks/${encodeURIComponent(id)}`, {
      query: { generation: opts.generation },
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    });
  }
  /** Forgets an ended task (its record and any container left); one that is unknown or not ended stays. */
  async forgetTask(id: string): Promise<void> {
    await this.http.request('POST', `/tasks/${encodeURIComponent(id)}/forget`);
  }
  taskStats(id: string): Promise<TaskUsageView> {
    return this.http.request('GET', `/tasks/${encodeURIComponent(id)}/stats`);
  }
  /** The processes of a task's running container (`poseidon top`), ps given `psArgs`. */
  processes(id: string, psArgs?: string): Promise<ProcessesView> {
    return this.http.request('GET', `/tasks/${encodeURIComponent(id)}/top`, { query: { psArgs } });
  }
  /** Removes a named volume from the worker's engine; one that is not there is removed already. */
  async removeVolume(name: string): Promise<void> {
    await this.http.request('DELETE', `/volumes/${encodeURIComponent(name)}`);
  }
  /** Every node removed from the cluster, in place of the list the worker holds (PUT /revoked). */
  async putRevoked(nodeIds: readonly string[]): Promise<void> {
    await this.http.request('PUT', '/revoked', { body: { nodeIds } });
  }
  /** The host's readings and every running task's usage (the engine's stats of each container). */
  stats(opts: { timeoutMs?: number } = {}): Promise<WorkerStatsView> {
    return this.http.request('GET', '/stats', opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs });
  }
}
