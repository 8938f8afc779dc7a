import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { TaskDigestBuilder, type ResourcesView, type WorkerStatsView, type WorkerTaskView } from '../src/api/index.js';
import { BenchError } from './bench-error.js';

/**
 * A simulated worker: just enough of the Worker API for the manager's side of the cluster to be
 * measured without Docker. It is a fake only for what the submit and memory benchmarks do not
 * measure (containers): it joins the real manager over HTTP like `poseidon worker` does
 * (`POST /nodes/register`, then `POST /nodes/{id}/heartbeat` at the pace the manager answers)
 * and answers
 *
 *   POST   /tasks?generation=N&wait=…   201 Running at once (200 for a copy it already holds)
 *   POST   /tasks/batch?wait=…          the same for `{ tasks: [{ spec, generation }] }`, answered
 *                                       `{ results: [{ task }] }` in order, as `poseidon worker` does
 *   DELETE /tasks/{id}?generation=N     Completed (a newer copy is left alone; 404 when unknown)
 *   GET    /tasks, GET /stats, GET /healthz
 *
 * Every listener is on 127.0.0.1, port 0. `stop()` ends the heartbeat loop and closes the server.
 */
export interface SimWorkerOptions {
  name: string;
  managerUrl: string;
  capacity: ResourcesView;
  /** Called once per task id, when its first dispatch arrives (performance.now() ms). */
  onFirstDispatch?(taskId: string, atMs: number): void;
  /**
   * What a heartbeat carries. `digest`: the count and hash of the active tasks
   * (src/api/task-digest.ts), and every task only in the beat after a reply asked for them
   * (`resync`), as `poseidon worker` does. `full`: every active task, each beat, as it did
   * before (kept to measure the difference).
   */
  heartbeat: HeartbeatMode;
}

export type HeartbeatMode = 'full' | 'digest';

/** A task as this worker holds it, with its heartbeat report serialized once. */
interface SimTask {
  view: WorkerTaskView;
  /** JSON of the TaskReport the heartbeat carries; rebuilt when the view changes. */
  reportJson: string;
}

/** The manager refused or never answered the registration. */
export class SimWorkerNotRegistered extends BenchError {}

const REQUEST_TIMEOUT_MS = 10_000;
const REGISTER_ATTEMPTS = 20;

export class SimWorker {
  readonly nodeId = randomUUID();
  readonly #tasks = new Map<string, SimTask>();
  readonly #abort = new AbortController();
  readonly #server: Server;
  /** The active tasks as (id, generation), kept as they change. */
  readonly #digest = new TaskDigestBuilder();
  #resyncAsked = false;
  #url = '';
  #loop: Promise<void> | undefined;
  /** POST /tasks calls and tasks in POST /tasks/batch calls, duplicates included. */
  dispatches = 0;
  /** POST /tasks/batch calls. */
  batchCalls = 0;
  heartbeats = 0;
  /** Replies that asked for every task (digest mode). */
  resyncs = 0;
  heartbeatFailures = 0;
  lastHeartbeatError: string | undefined;

  constructor(private readonly opts: SimWorkerOptions) {
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#server.keepAliveTimeout = 30_000;
  }

  get url(): string {
    return this.#url;
  }

  get name(): string {
    return this.opts.name;
  }

  /** Tasks held in state Running. */
  get running(): number {
    let n = 0;
    for (const t of this.#tasks.values()) if (t.view.state === 'Running') n += 1;
    return n;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (this.#server.address() as AddressInfo).port;
    this.#url = `http://127.0.0.1:${port}`;
    const firstBeatInMs = await this.#register();
    this.#loop = this.#beatLoop(firstBeatInMs);
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- joining the manager ----

  async #register(): Promise<number> {
    const body = JSON.stringify({
      nodeId: this.nodeId,
      name: this.opts.name,
      url: this.#url,
      capacity: this.opts.capacity,
      metrics: this.#metrics(),
      tasks: [...this.#tasks.values()].map((t) => JSON.parse(t.reportJson) as unknown),
    });
    let lastError = '';
    for (let attempt = 1; attempt <= REGISTER_ATTEMPTS; attempt++) {
      try {
        const reply = await this.#postManager('/nodes/register', body);
        return reply.nextBeatInMs;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
        await sleep(100 * attempt, undefined, { signal: this.#abort.signal });
      }
    }
    throw new SimWorkerNotRegistered(
      `simulated worker ${this.opts.name} could not register with the manager at ${this.opts.managerUrl}: ${lastError}`,
    );
  }

  /** Beats at the pace the manager answers; a failed beat is retried sooner, a 404 registers again. */
  async #beatLoop(firstDelayMs: number): Promise<void> {
    // spread the workers over the period, as independent machines would be
    let delayMs = Math.round(firstDelayMs * Math.random());
    while (!this.#abort.signal.aborted) {
      try {
        await sleep(delayMs, undefined, { signal: this.#abort.signal });
      } catch {
        return;
      }
      try {
        const reply = await this.#postManager(`/nodes/${this.nodeId}/heartbeat`, this.#heartbeatBody());
        delayMs = reply.nextBeatInMs;
        this.heartbeats += 1;
        if (reply.resync === true) {
          this.#resyncAsked = true;
          this.resyncs += 1;
        }
      } catch (err) {
        if (this.#abort.signal.aborted) return;
        this.heartbeatFailures += 1;
        this.lastHeartbeatError = err instanceof Error ? err.message : String(err);
        if (err instanceof ManagerAnswered && err.status === 404) {
          try {
            delayMs = await this.#register();
          } catch {
            delayMs = 250;
          }
        } else delayMs = 250;
      }
    }
  }

  /** The heartbeat body, built from the cached report strings: no per-beat serialization of every task. */
  #heartbeatBody(): string {
    const metrics = JSON.stringify(this.#metrics());
    if (this.opts.heartbeat === 'digest') {
      const digest = JSON.stringify(this.#digest.value);
      if (!this.#resyncAsked) return `{"metrics":${metrics},"tasks":[],"digest":${digest}}`;
      this.#resyncAsked = false;
      return `{"metrics":${metrics},"tasks":[${this.#activeReports().join(',')}],"digest":${digest}}`;
    }
    return `{"metrics":${metrics},"tasks":[${this.#activeReports().join(',')}]}`;
  }

  #activeReports(): string[] {
    const reports: string[] = [];
    for (const t of this.#tasks.values()) if (isActive(t.view)) reports.push(t.reportJson);
    return reports;
  }

  #metrics(): { cpuUsage: number; load1: number; memoryAvailableBytes: number; diskFreeBytes: number } {
    return {
      cpuUsage: 0.05,
      load1: 0.1,
      memoryAvailableBytes: this.opts.capacity.memoryBytes,
      diskFreeBytes: this.opts.capacity.diskBytes,
    };
  }

  async #postManager(path: string, body: string): Promise<{ nextBeatInMs: number; resync?: boolean }> {
    const res = await fetch(new URL(path, this.opts.managerUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });
    const text = await res.text();
    if (!res.ok) throw new ManagerAnswered(res.status, text);
    return JSON.parse(text) as { nextBeatInMs: number; resync?: boolean };
  }

  // ---- the Worker API ----

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        this.#route(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        send(res, 400, {
          error: { code: 'invalid_request', message: err instanceof Error ? err.message : String(err) },
        });
      }
    });
  }

  #route(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname;
    if (req.method === 'POST' && path === '/tasks') {
      const { status, view } = this.#start(JSON.parse(body) as Record<string, unknown>, generationOf(url));
      send(res, status, view);
    } else if (req.method === 'POST' && path === '/tasks/batch') {
      const parsed = JSON.parse(body) as { tasks: Array<{ spec: Record<string, unknown>; generation: number }> };
      this.batchCalls += 1;
      send(res, 200, { results: parsed.tasks.map((t) => ({ task: this.#start(t.spec, t.generation).view })) });
    } else if (req.method === 'DELETE' && path.startsWith('/tasks/')) {
      const id = decodeURIComponent(path.slice('/tasks/'.length));
      const task = this.#tasks.get(id);
      if (task === undefined) return send(res, 404, { error: { code: 'task_not_found', message: `no task ${id}` } });
      const maxGeneration = url.searchParams.get('generation');
      if (maxGeneration === null || task.view.generation <= Number(maxGeneration)) {
        if (task.view.state === 'Running' || task.view.state === 'Scheduled') {
          const at = new Date().toISOString();
          this.#set(id, {
            ...task.view,
            state: 'Completed',
            exitCode: 0,
            reason: 'stopped on request',
            finishedAt: at,
            updatedAt: at,
          });
        }
      }
      send(res, 200, this.#tasks.get(id)?.view);
    } else if (req.method === 'GET' && path === '/tasks') {
      send(
        res,
        200,
        [...this.#tasks.values()].map((t) => t.view),
      );
    } else if (req.method === 'GET' && path === '/stats') {
      send(res, 200, this.#stats());
    } else if (req.method === 'GET' && path === '/healthz') {
      send(res, 200, { status: 'ok' });
    } else {
      send(res, 404, { error: { code: 'not_found', message: `no route ${req.method} ${path}` } });
    }
  }

  /** Idempotent by task id and generation, as the real worker: a copy it holds is answered as is. */
  #start(spec: Record<string, unknown>, generation: number): { status: number; view: WorkerTaskView } {
    const id = spec.id;
    if (typeof id !== 'string') throw new TypeError('body/id is required');
    this.dispatches += 1;
    const existing = this.#tasks.get(id);
    if (existing !== undefined && generation <= existing.view.generation) return { status: 200, view: existing.view };
    if (existing === undefined) this.opts.onFirstDispatch?.(id, performance.now());
    const at = new Date().toISOString();
    const view: WorkerTaskView = {
      id,
      name: typeof spec.name === 'string' ? spec.name : id,
      image: typeof spec.image === 'string' ? spec.image : '',
      command: Array.isArray(spec.command) ? spec.command.filter((c): c is string => typeof c === 'string') : [],
      state: 'Running',
      generation,
      containerId: `sim-${id.slice(0, 8)}-g${generation}`,
      exitCode: null,
      reason: 'running',
      ports: [],
      cpu: typeof spec.cpu === 'number' ? spec.cpu : 0,
      memory: typeof spec.memory === 'number' ? spec.memory : 0,
      disk: typeof spec.disk === 'number' ? spec.disk : 0,
      labels: {},
      health: { status: 'none', failures: 0, lastOutput: '', lastCheckedAt: null },
      startedAt: at,
      finishedAt: null,
      updatedAt: at,
    };
    this.#set(id, view);
    return { status: existing === undefined ? 201 : 200, view };
  }

  #set(id: string, view: WorkerTaskView): void {
    const before = this.#tasks.get(id)?.view;
    if (before !== undefined && isActive(before)) this.#digest.remove(id, before.generation);
    if (isActive(view)) this.#digest.add(id, view.generation);
    const report = {
      taskId: view.id,
      generation: view.generation,
      state: view.state,
      containerId: view.containerId,
      exitCode: view.exitCode,
      reason: view.reason,
      ports: view.ports,
      startedAt: view.startedAt,
      finishedAt: view.finishedAt,
      health: view.health,
    };
    this.#tasks.set(id, { view, reportJson: JSON.stringify(report) });
  }

  #stats(): WorkerStatsView {
    const byState: Record<string, number> = {};
    for (const t of this.#tasks.values()) byState[t.view.state] = (byState[t.view.state] ?? 0) + 1;
    const c = this.opts.capacity;
    return {
      worker: this.opts.name,
      host: {
        cpuCores: c.cpuCores,
        cpuUsage: 0.05,
        load: { load1: 0.1, load5: 0.1, load15: 0.1 },
        memory: { totalBytes: c.memoryBytes, availableBytes: c.memoryBytes },
        disk: { path: '/', totalBytes: c.diskBytes, freeBytes: c.diskBytes },
        uptimeSeconds: 1,
      },
      taskCount: this.#tasks.size,
      tasksByState: byState,
      tasks: [],
    };
  }
}

class ManagerAnswered extends Error {
  constructor(
    readonly status: number,
    text: string,
  ) {
    super(`manager answered ${status}: ${text.slice(0, 200)}`);
  }
}

function isActive(v: WorkerTaskView): boolean {
  return v.state === 'Running' || v.state === 'Scheduled';
}

function generationOf(url: URL): number {
  const g = url.searchParams.get('generation');
  return g === null ? 0 : Number(g);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
