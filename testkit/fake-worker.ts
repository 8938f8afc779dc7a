import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import {
  toReport,
  type HeartbeatReply,
  type HeartbeatRequest,
  type ResourcesView,
  type TaskReport,
  type WorkerTaskView,
} from '../src/api/index.js';
import { ManagerClient } from '../src/client/index.js';
import { LiveCredentials, nodeCredentials } from '../src/pki/index.js';
import { systemClock, type Clock } from '../src/clock/index.js';
import type { HostSnapshot } from '../src/stats/index.js';
import { MemoryStore, type Store } from '../src/store/index.js';
import { isActive, type SpecLimits, type TaskRequest } from '../src/task/index.js';
import {
  createWorkerServer,
  ManagerReporter,
  Worker,
  type WorkerDeps,
  type WorkerTaskRecord,
} from '../src/worker/index.js';
import { FakeDriver } from './fake-driver.js';

const GiB = 2 ** 30;

/** Room for 200,000 tasks of 0.01 cores and 4 MiB each over 50 workers, with plenty to spare. */
export const FAKE_WORKER_CAPACITY: ResourcesView = { cpuCores: 128, memoryBytes: 1024 * GiB, diskBytes: 4096 * GiB };

export interface FakeWorkerOptions {
  /** The worker's name, put on its containers as `poseidon.worker`. */
  name: string;
  /** The system clock unless a test drives time. */
  clock?: Clock;
  /** Silent unless given. */
  log?: Logger;
  /** What it offers the scheduler when it joins; FAKE_WORKER_CAPACITY by default. */
  capacity?: ResourcesView;
  /** What a task may ask for at most (the worker's host); no limit by default. */
  limits?: SpecLimits;
  stopGraceSeconds?: number;
  startConcurrency?: number;
  /**
   * Where its records go: a MemoryStore by default (a copy per write, as durable as a test needs);
   * the store of an earlier FakeWorker starts this one where it left off (a restarted worker).
   */
  store?: Store<WorkerTaskRecord>;
  /** The engine of an earlier FakeWorker (its containers outlive the worker), or one set up by the test. */
  driver?: FakeDriver;
  /** Keep every driver call in `driver.calls` (default true; off for benchmarks with many tasks). */
  recordDriverCalls?: boolean;
  /** Each dispatch of a task (a submit) as it reaches the worker, duplicates included. */
  onDispatch?(taskId: string): void;
  /** The task spec fields it says it reads when it joins; fewer than this build's plays an older worker. */
  specFields?: readonly string[];
}

/** The manager's side of the reporter's calls, counted (benchmarks print them). */
export interface HeartbeatCounts {
  sent: number;
  failed: number;
  /** Replies that asked for every active task (the digest disagreed). */
  resyncs: number;
  lastError: string | undefined;
}

/**
 * One fake worker: the real Worker (and, listening, its real routes and reporter) over a
 * FakeDriver and a memory store, so what the manager sees is what `poseidon worker` does, minus
 * Docker. Three ways to use it:
 * - in-process (InProcessWorkerCalls): the manager's WorkerCalls go straight to the Worker, and
 *   `reportTo` hands each change to the manager as the reporter would, on a test's clock;
 * - `join(managerUrl, joinToken)`: it joins the cluster with the token (a node certificate, as
 *   `poseidon worker --join-token` gets one), serves the Worker API over mutual TLS on
 *   127.0.0.1, port 0, and reports with the real ManagerReporter;
 * - as a separate process (testkit/fake-worker-process.ts), for a benchmark that needs the load
 *   off its own process.
 */
export class FakeWorker {
  readonly name: string;
  readonly driver: FakeDriver;
  readonly store: Store<WorkerTaskRecord>;
  readonly worker: Worker;
  readonly capacity: ResourcesView;
  readonly limits: SpecLimits;
  /** Its node id: a random one in process, the one its certificate names once it joined. */
  nodeId: string = randomUUID();
  readonly heartbeats: HeartbeatCounts = { sent: 0, failed: 0, resyncs: 0, lastError: undefined };
  readonly #log: Logger;
  readonly #metrics = new Registry();
  readonly #specFields: readonly string[] | undefined;
  #started: Promise<void> | undefined;
  #server: FastifyInstance | undefined;
  #reporter: ManagerReporter | undefined;
  #url = '';
  #unlink: (() => void) | undefined;
  #stopped: Promise<void> | undefined;

  constructor(opts: Readonly<FakeWorkerOptions>) {
    this.name = opts.name;
    const clock = opts.clock ?? systemClock;
    this.#log = opts.log ?? pino({ level: 'silent' });
    this.capacity = opts.capacity ?? FAKE_WORKER_CAPACITY;
    this.limits = opts.limits ?? {};
    this.driver =
      opts.driver ?? new FakeDriver({ workerName: opts.name, clock, record: opts.recordDriverCalls ?? true });
    this.store = opts.store ?? new MemoryStore<WorkerTaskRecord>();
    const deps: WorkerDeps = {
      name: opts.name,
      driver: this.driver,
      store: this.store,
      clock,
      log: this.#log,
      metrics: this.#metrics,
      stopGraceSeconds: opts.stopGraceSeconds ?? 1,
      ...(opts.startConcurrency === undefined ? {} : { startConcurrency: opts.startConcurrency }),
    };
    this.worker = opts.onDispatch === undefined ? new Worker(deps) : new ObservedWorker(deps, opts.onDispatch);
    this.#specFields = opts.specFields;
  }

  /** Starts the worker (ping, records, event stream, resync); idempotent. */
  start(): Promise<void> {
    this.#started ??= this.worker.start();
    return this.#started;
  }

  /** Where it listens, once listen() has resolved. */
  get url(): string {
    return this.#url;
  }

  /** Its active tasks as it would list them in a registration or a heartbeat. */
  activeReports(): TaskReport[] {
    return this.worker
      .list()
      .filter((t) => isActive(t.state))
      .map(toReport);
  }

  /**
   * In-process: each change the worker makes is handed to `manager.report` as the reporter
   * pushes it (coalesced per task), one turn of the event loop later, as if it had crossed the
   * network: a dispatch's own answer arrives first. `nodeId()` says which node this worker is
   * to the manager now; while it says undefined, changes wait.
   */
  reportTo(manager: InProcessManager, nodeId: () => string | undefined): void {
    const pending = new Map<string, TaskReport>();
    let scheduled = false;
    const flush = (): void => {
      scheduled = false;
      const id = nodeId();
      if (id === undefined || pending.size === 0) return;
      const batch = [...pending.values()];
      pending.clear();
      manager.report(id, batch).catch(() => undefined); // a manager that stopped or forgot the node
    };
    this.#unlink?.();
    this.#unlink = this.worker.onChange((t: WorkerTaskView) => {
      pending.set(t.id, toReport(t));
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  }

  /**
   * Joins the cluster as `poseidon worker --manager URL --join-token TOKEN` does (the same code:
   * the CA checked against the token, a key made here, a certificate for it), serves the real
   * Worker API over mutual TLS on 127.0.0.1, port 0, and reports with the real reporter. Resolves
   * with its URL once it listens.
   */
  async join(managerUrl: string, joinToken: string): Promise<string> {
    await this.start();
    const creds = new LiveCredentials(
      await nodeCredentials({ managerUrl, joinToken, addresses: ['127.0.0.1'], now: Date.now(), log: this.#log }),
      'manager',
    );
    this.nodeId = creds.current.info.nodeId;
    const app = await createWorkerServer({
      worker: this.worker,
      driver: this.driver,
      limits: this.limits,
      readHost: async () => this.#host(),
      log: this.#log,
      metrics: this.#metrics,
      clock: systemClock,
      tls: creds.server,
    });
    this.#server = app;
    this.#url = await app.listen({ host: '127.0.0.1', port: 0 });
    this.#reporter = new ManagerReporter({
      manager: new CountedManager(new ManagerClient(managerUrl, 10_000, { tls: creds.client }), this.heartbeats),
      worker: this.worker,
      nodeId: this.nodeId,
      name: this.name,
      url: this.#url,
      capacity: this.capacity,
      readHost: async () => this.#host(),
      log: this.#log,
      ...(this.#specFields === undefined ? {} : { specFields: this.#specFields }),
    });
    this.#reporter.start();
    const reporter = this.#reporter;
    this.worker.askOwnershipWith(() => reporter.owned());
    return this.#url;
  }

  /** Stops reporting, serving and the worker, in that order; idempotent. Its driver and store stay readable. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#unlink?.();
      await this.#reporter?.stop();
      await this.#server?.close();
      await this.#started;
      await this.worker.stop();
    })();
    return this.#stopped;
  }

  /** The host it reports: its capacity, idle. */
  #host(): HostSnapshot {
    return idleHost(this.capacity);
  }
}

/** A host of this capacity, idle: what a fake worker reports. */
export function idleHost(c: ResourcesView): HostSnapshot {
  return {
    cpuCores: c.cpuCores,
    cpuUsage: 0.05,
    load: { load1: 0.1, load5: 0.1, load15: 0.1 },
    memory: { totalBytes: c.memoryBytes, availableBytes: c.memoryBytes },
    disk: { path: '/', totalBytes: c.diskBytes, freeBytes: c.diskBytes },
    uptimeSeconds: 1,
  };
}

/** What reportTo needs of the manager: Manager.report. */
export interface InProcessManager {
  report(nodeId: string, reports: TaskReport[]): Promise<void>;
}

/** The real Worker, telling each dispatch as it arrives. */
class ObservedWorker extends Worker {
  constructor(
    deps: WorkerDeps,
    private readonly onDispatch: (taskId: string) => void,
  ) {
    super(deps);
  }

  override submit(
    request: TaskRequest,
    generation: number,
    waitMs: number,
  ): Promise<{ task: WorkerTaskView; created: boolean }> {
    this.onDispatch(request.id);
    return super.submit(request, generation, waitMs);
  }
}

/** The ManagerClient calls the reporter makes, with its heartbeats counted. */
class CountedManager {
  constructor(
    private readonly client: ManagerClient,
    private readonly counts: HeartbeatCounts,
  ) {}

  get baseUrl(): string {
    return this.client.baseUrl;
  }

  register: ManagerClient['register'] = (body) => this.client.register(body);

  report: ManagerClient['report'] = (nodeId, tasks) => this.client.report(nodeId, tasks);

  async heartbeat(nodeId: string, body: HeartbeatRequest): Promise<HeartbeatReply> {
    try {
      const reply = await this.client.heartbeat(nodeId, body);
      this.counts.sent += 1;
      if (reply.resync === true) this.counts.resyncs += 1;
      return reply;
    } catch (err) {
      this.counts.failed += 1;
      this.counts.lastError = err instanceof Error ? err.message : String(err);
      throw err;
    }
  }
}
