import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { RegisterRequest, TaskReport } from '../../../src/api/index.js';
import { Manager, type ManagerRecord } from '../../../src/manager/manager.js';
import { wireManager, type ManagerParts } from '../../../src/manager/wiring.js';
import { strategyByName, type Scorer, type StrategyName } from '../../../src/scheduler/index.js';
import { MemoryStore } from '../../../src/store/index.js';
import { ControlledStore } from './controlled-store.js';
import type { TaskRequest } from '../../../src/task/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { taskRequest } from '../../helpers/task-request.js';
import type { FakeHost } from '../../../testkit/fake-driver.js';
import { FakeWorkers, type WorkerAt } from './harness-workers.js';

// The real Manager with the real scheduler and a memory store; only time and the workers'
// containers are fakes: each worker is the real Worker over the testkit's fake driver, called in
// process. Shared by the manager's test files.

export const GiB = 2 ** 30;
export const PERIOD_MS = 1_000;
export const GRACE_MS = 3_000;
export const SWEEP_MS = 10_000;

export interface Harness {
  manager: Manager;
  clock: FakeClock;
  workers: FakeWorkers;
  store: MemoryStore<ManagerRecord>;
  parts: ManagerParts;
}

export interface ManagerOptions {
  /** A strategy by name (default roundrobin), or a scorer of the test's own. */
  strategy?: StrategyName | Scorer;
  store?: MemoryStore<ManagerRecord>;
  clock?: FakeClock;
  batch?: boolean;
  /** The manager's --vip-range (default DEFAULT_VIP_RANGE). */
  vipRange?: string;
  /** The manager's --task-history (default DEFAULT_TASK_HISTORY). */
  taskHistory?: number;
  /** The manager's --plain-task-history (default DEFAULT_PLAIN_TASK_HISTORY). */
  plainTaskHistory?: number;
  /** The one machine every worker runs on (they share its host ports); each its own by default. */
  host?: FakeHost;
  /** The manager's --cert-ttl in ms (default DEFAULT_CERT_TTL_MS). */
  certTtlMs?: number;
}

export async function startManager(t: TestContext, opts: ManagerOptions = {}): Promise<Harness> {
  const clock = opts.clock ?? new FakeClock();
  const store = opts.store ?? new MemoryStore<ManagerRecord>();
  const workers = new FakeWorkers(clock, {
    batch: opts.batch ?? false,
    ...(opts.host === undefined ? {} : { host: opts.host }),
  });
  t.after(() => workers.stop());
  const strategy = opts.strategy ?? 'roundrobin';
  const parts = wireManager({
    store,
    clock,
    strategy: typeof strategy === 'string' ? strategyByName(strategy) : strategy,
    log: pino({ level: 'silent' }),
    metrics: new Registry(),
    heartbeatPeriodMs: PERIOD_MS,
    heartbeatGraceMs: GRACE_MS,
    sweepMs: SWEEP_MS,
    workerClient: workers.client,
    random: () => 0, // no backoff jitter: restart delays are exact
    ...(opts.vipRange === undefined ? {} : { vipRange: opts.vipRange }),
    ...(opts.taskHistory === undefined ? {} : { taskHistory: opts.taskHistory }),
    ...(opts.plainTaskHistory === undefined ? {} : { plainTaskHistory: opts.plainTaskHistory }),
    ...(opts.certTtlMs === undefined ? {} : { certTtlMs: opts.certTtlMs }),
  });
  const manager = new Manager(parts);
  PARTS.set(manager, parts);
  workers.reportTo(manager);
  await manager.start();
  t.after(async () => {
    if (store instanceof ControlledStore) store.release(); // a held write would keep the stop waiting
    await manager.stop();
  });
  return { manager, clock, workers, store, parts };
}

/** The parts behind each manager a test started, for settle() and for tests that look inside. */
const PARTS = new WeakMap<Manager, ManagerParts>();

/** Lets reconcile passes and the background dispatches and stops they start run to the end. */
export async function settle(manager: Manager): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await PARTS.get(manager)?.orchestrator.idle();
    await flush();
  }
}

/** Runs every microtask and immediate queued so far. */
export function flush(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** A uuid that starts with `head` (hex), so tests can choose prefixes. */
export function uuid(head: string): string {
  return `${head.padEnd(8, '0')}-0000-4000-8000-000000000000`;
}

export function request(id: string, fields: Partial<TaskRequest> = {}): TaskRequest {
  return taskRequest(id, fields);
}

export interface NodeSpec {
  id: string;
  name: string;
  memoryGiB?: number;
}

export const urlOf = (n: NodeSpec): string => `http://${n.name}.test:7070`;

export function registration(n: NodeSpec, tasks: TaskReport[] = []): RegisterRequest {
  const memoryBytes = (n.memoryGiB ?? 16) * GiB;
  return {
    nodeId: n.id,
    name: n.name,
    url: urlOf(n),
    capacity: { cpuCores: 4, memoryBytes, diskBytes: 100 * GiB },
    metrics: { cpuUsage: 0, load1: 0, memoryAvailableBytes: memoryBytes, diskFreeBytes: 100 * GiB },
    tasks,
  };
}

export function beat(
  n: NodeSpec,
  tasks: TaskReport[] = [],
): { metrics: RegisterRequest['metrics']; tasks: TaskReport[] } {
  return { metrics: registration(n).metrics, tasks };
}

export function report(
  taskId: string,
  generation: number,
  state: TaskReport['state'],
  fields: Partial<TaskReport> = {},
): TaskReport {
  return {
    taskId,
    generation,
    state,
    containerId: `ctr-${taskId.slice(0, 8)}-g${generation}`,
    exitCode: null,
    reason: 'running',
    ports: [],
    startedAt: null,
    finishedAt: null,
    ...fields,
  };
}

/** What a worker reports when the first copy of a task exits with code 1. */
export function failed(taskId: string, fields: Partial<TaskReport> = {}): TaskReport {
  return report(taskId, 1, 'Failed', { exitCode: 1, reason: 'exited with code 1', ...fields });
}

export const W1: NodeSpec = { id: '11111111-1111-4111-8111-111111111111', name: 'w1' };
export const W2: NodeSpec = { id: '22222222-2222-4222-8222-222222222222', name: 'w2' };

/** Advances the clock in heartbeat periods while `alive` keep beating with what their workers hold. */
export async function runFor(h: Harness, ms: number, alive: NodeSpec[]): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += PERIOD_MS) {
    h.clock.advance(PERIOD_MS);
    for (const n of alive) await h.manager.heartbeat(n.id, beat(n, h.workers.at(urlOf(n)).activeReports()));
    await settle(h.manager);
  }
}

/**
 * The opening most tests share: a manager, `nodes` registered (w1 alone by default), and one
 * task (id from `head`) submitted and settled, so it runs on the first node when the workers
 * answer. `w1` is the first node's fake worker.
 */
export async function withTask(
  t: TestContext,
  head: string,
  opts: ManagerOptions & { nodes?: NodeSpec[]; fields?: Partial<TaskRequest> } = {},
): Promise<{ h: Harness; id: string; w1: WorkerAt }> {
  const h = await startManager(t, opts);
  for (const n of opts.nodes ?? [W1]) await h.manager.register(registration(n));
  const id = uuid(head);
  await h.manager.submit(request(id, opts.fields));
  await settle(h.manager);
  return { h, id, w1: h.workers.at(urlOf(opts.nodes?.[0] ?? W1)) };
}

/** A manager, w1 registered, and service db's one replica running there, mounting its slot's volume data-1. */
export async function withVolumeService(t: TestContext): Promise<Harness> {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  await h.manager.services.create({
    name: 'db',
    replicas: 1,
    task: { image: 'poseidon/busybox:latest', volumes: [{ name: 'data', path: '/data' }] },
  });
  await settle(h.manager);
  return h;
}
