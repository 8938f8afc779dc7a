import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { WorkerTaskView } from '../../../src/api/index.js';
import { ServerUnreachable } from '../../../src/client/index.js';
import type { ManagerRecord } from '../../../src/manager/cluster-state.js';
import { Manager } from '../../../src/manager/manager.js';
import type { WorkerCalls } from '../../../src/manager/dispatcher.js';
import type { ClusterEvent } from '../../../src/manager/events.js';
import type { TaskRecord } from '../../../src/manager/records.js';
import { wireManager, type ManagerParts } from '../../../src/manager/wiring.js';
import { strategyByName } from '../../../src/scheduler/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { workerTaskView } from '../../helpers/worker-task-view.js';
import { ControlledStore } from './controlled-store.js';
import { registration, type NodeSpec } from './manager-harness.js';

// The manager's parts wired as in production, over a controllable store and a fake clock, with
// workers that record what they are asked and answer Running (or Completed for a stop). For the
// tests of one part at a time, which set the scene through the others.

export interface Parts extends ManagerParts {
  readonly store: ControlledStore<ManagerRecord>;
  readonly fakeClock: FakeClock;
  /** Starts and stops each worker URL was asked for, as "start <id> g<generation>" / "stop <id>". */
  readonly calls: Map<string, string[]>;
  readonly events: ClusterEvent[];
  /** What the workers do when asked to start a task: answer Running, or not be reachable at all. */
  workers: { answer: 'run' | 'unreachable' };
  /** Commits `recs` as they are (to set the scene). */
  put(...recs: TaskRecord[]): Promise<void>;
  /** Runs every pass and background call that is due. */
  settle(): Promise<void>;
}

export async function parts(opts: { nodes?: NodeSpec[]; restartGraceMs?: number } = {}): Promise<Parts> {
  const store = new ControlledStore<ManagerRecord>();
  const fakeClock = new FakeClock();
  const calls = new Map<string, string[]>();
  const workers: Parts['workers'] = { answer: 'run' };
  const record = (url: string, call: string): void => {
    calls.set(url, [...(calls.get(url) ?? []), call]);
  };
  const workerClient = (url: string): WorkerCalls => ({
    async startTask(body: unknown, o: { generation?: number } = {}): Promise<WorkerTaskView> {
      const id = (body as { id: string }).id;
      record(url, `start ${id} g${o.generation ?? 0}`);
      if (workers.answer === 'unreachable') throw new ServerUnreachable(url, `worker at ${url}`);
      return workerTaskView(id, { generation: o.generation ?? 0, containerId: `ctr-${id}` });
    },
    async stopTask(id: string, o: { generation?: number } = {}): Promise<WorkerTaskView> {
      record(url, `stop ${id}${o.generation === undefined ? '' : ` g${o.generation}`}`);
      return workerTaskView(id, { state: 'Completed', exitCode: 0, generation: o.generation ?? 1 });
    },
  });
  const p = wireManager({
    store,
    clock: fakeClock,
    strategy: strategyByName('roundrobin'),
    log: pino({ level: 'silent' }),
    metrics: new Registry(),
    heartbeatPeriodMs: 1_000,
    heartbeatGraceMs: 3_000,
    ...(opts.restartGraceMs === undefined ? {} : { restartGraceMs: opts.restartGraceMs }),
    sweepMs: 60_000,
    workerClient,
    random: () => 0,
  });
  const events: ClusterEvent[] = [];
  p.state.events.subscribe((e) => events.push(e));
  await p.state.load();
  p.orchestrator.start();
  for (const n of opts.nodes ?? []) await p.nodes.register(registration(n));
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) {
      await p.orchestrator.idle();
      await p.background.drain();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const put = async (...recs: TaskRecord[]): Promise<void> => {
    const changes = p.state.newChanges();
    for (const r of recs) changes.put(r);
    await p.state.commit(changes);
  };
  await settle();
  return Object.assign(Object.create(null) as object, p, {
    store,
    fakeClock,
    calls,
    events,
    workers,
    put,
    settle,
  }) as Parts;
}

/** The Manager facade over `p`, stopped at the test's end, held writes let go first (see stopParts). */
export function managerOver(t: TestContext, p: Parts): Manager {
  const manager = new Manager(p);
  t.after(async () => {
    p.store.release();
    await manager.stop();
  });
  return manager;
}

/** Stops the loop and every timer, as the facade's stop() does. */
export async function stopParts(p: Parts): Promise<void> {
  p.store.release(); // writes a failed assertion left held would keep the drain below waiting
  p.nodes.stop();
  p.supervisor.cancelAll();
  await p.orchestrator.stop();
  await p.background.drain();
}
