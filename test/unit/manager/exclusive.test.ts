import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { refuseIfExclusive } from '../../../src/manager/exclusive.js';
import { reconcile } from '../../../src/manager/reconcile.js';
import type { TaskRecord } from '../../../src/manager/records.js';
import { TaskState } from '../../../src/task/index.js';
import { SelfFence } from '../../../src/worker/self-fence.js';
import { taskRequest } from '../../helpers/task-request.js';
import { FakeClock } from '../../helpers/fake-clock.js';

// Exclusive tasks run at most once: the manager never moves one off a node that is down (only a
// removal with --dead, or the node reporting again, ends the wait), and a worker that has reached
// no manager for its fence stops them by itself.

function running(id: string, exclusive: boolean): TaskRecord {
  const at = new Date(0).toISOString();
  const request = taskRequest(id, { name: `task-${id}` });
  if (exclusive) request.exclusive = true;
  return {
    request,
    desired: 'running',
    state: TaskState.Running,
    nodeId: 'w1',
    generation: 1,
    containerId: 'c1',
    exitCode: null,
    reason: '',
    ports: [],
    restarts: 0,
    failuresInRow: 0,
    restartAt: null,
    health: { status: 'none', failures: 0, lastOutput: '', lastCheckedAt: null },
    lastExit: null,
    submittedAt: at,
    startedAt: at,
    finishedAt: null,
    updatedAt: at,
  };
}

const snapshot = (tasks: TaskRecord[], nodes: Array<[string, 'Up' | 'Down']>) => ({
  tasks: new Map(tasks.map((t) => [t.request.id, t])),
  nodeStates: new Map(nodes),
  dispatchedAt: new Map<string, number>(),
  stopping: new Set<string>(),
});

test('on a node that is down, an exclusive task is held and a plain one is moved', () => {
  const actions = reconcile(snapshot([running('x', true), running('p', false)], [['w1', 'Down']]), 1_000);
  assert.deepEqual(actions, [
    { kind: 'hold', taskId: 'x', nodeId: 'w1' },
    { kind: 'mark-lost', taskId: 'p', nodeId: 'w1' },
  ]);
});

test('on a removed node (removed with --dead), an exclusive task is moved too', () => {
  assert.deepEqual(reconcile(snapshot([running('x', true)], []), 1_000), [
    { kind: 'mark-lost', taskId: 'x', nodeId: 'w1' },
  ]);
});

test('removing a node that holds an active exclusive task is refused, naming the task and --dead', () => {
  const tasks = new Map([
    ['x', running('x', true)],
    ['p', running('p', false)],
  ]);
  assert.throws(
    () => refuseIfExclusive('worker-2', tasks.keys(), (id) => tasks.get(id)),
    (err: Error & { code?: string }) =>
      err.code === 'node_holds_exclusive' && /x.*node rm worker-2 --dead/.test(err.message),
  );
  tasks.delete('x');
  refuseIfExclusive('worker-2', tasks.keys(), (id) => tasks.get(id));
});

test('a worker fences once after its fence of silence, not before, and again only after new contact', async () => {
  const clock = new FakeClock(0);
  const fenced: string[] = [];
  const fence = new SelfFence({
    clock,
    fenceMs: 10_000,
    fenceExclusive: async (reason) => {
      fenced.push(reason);
      return ['x'];
    },
    log: pino({ level: 'silent' }),
  });
  fence.start();
  clock.advance(9_000);
  fence.contact(); // answered at 9 s
  clock.advance(9_500);
  assert.deepEqual(fenced, []);
  clock.advance(1_000); // 10.5 s of silence
  assert.equal(fenced.length, 1);
  assert.match(fenced[0] ?? '', /no manager reached for 10\.[0-9]s: exclusive/);
  clock.advance(30_000);
  assert.equal(fenced.length, 1, 'once per silence');
  fence.contact();
  clock.advance(11_000); // checked every second: fenced within a second of the fence
  assert.equal(fenced.length, 2);
  await fence.stop();
});
