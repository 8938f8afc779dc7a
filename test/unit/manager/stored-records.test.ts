import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { ClusterState, type ManagerRecord } from '../../../src/manager/cluster-state.js';
import { MemoryStore } from '../../../src/store/index.js';
import { parseSubmission, toSpec } from '../../../src/task/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { taskRequest } from '../../helpers/task-request.js';
import { T0, taskRecord } from './records-fixture.js';

// Stores written before names became DNS labels keep working: such records load, a record the
// manager cannot use is set aside (logged with its key) instead of stopping the start, and a task
// stored with an old-style name is still taken by the worker it is dispatched to.

function state(store: MemoryStore<ManagerRecord>, lines: string[] = []): ClusterState {
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  return new ClusterState({ store, clock: new FakeClock(), log });
}

test('task records whose names were valid before the DNS label rule still load', async () => {
  const store = new MemoryStore<ManagerRecord>();
  const old = taskRecord('7a1e0000-0000-4000-8000-000000000001', {
    request: taskRequest('7a1e0000-0000-4000-8000-000000000001', { name: 'Web_Server.1' }),
  });
  await store.put(`task/${T0}/${old.request.id}`, { kind: 'task', task: old });
  const s = state(store);
  assert.deepEqual(await s.load(), { tasks: 1, nodes: [] });
  assert.equal(s.task(old.request.id)?.request.name, 'Web_Server.1');
  // and its dispatch is taken where dispatches arrive (a worker)
  assert.equal(parseSubmission(toSpec(old.request), { acceptLegacyNames: true }).name, 'Web_Server.1');
});

test('a record the manager cannot use is set aside with a log line naming its key; the others load', async () => {
  const store = new MemoryStore<ManagerRecord>();
  const good = taskRecord('900d0000-0000-4000-8000-000000000001');
  await store.put(`task/${T0}/${good.request.id}`, { kind: 'task', task: good });
  await store.put(`task/${T0}/broken`, { kind: 'task', task: { state: 'Running' } } as unknown as ManagerRecord);
  await store.put('node/odd', { kind: 'gadget' } as unknown as ManagerRecord);
  // decodable, but what the load and the views use is missing or unknown: the start once failed on the first
  const noPorts = taskRecord('0b0e0000-0000-4000-8000-000000000001');
  delete (noPorts.request as Partial<typeof noPorts.request>).ports;
  await store.put(`task/${T0}/no-ports`, { kind: 'task', task: noPorts });
  const odd = { ...taskRecord('0dd00000-0000-4000-8000-000000000001'), state: 'Sleeping' };
  await store.put(`task/${T0}/odd-state`, { kind: 'task', task: odd } as unknown as ManagerRecord);
  const lines: string[] = [];
  const s = state(store, lines);
  assert.equal((await s.load()).tasks, 1);
  assert.ok(s.task(good.request.id) !== undefined);
  for (const key of [`task/${T0}/broken`, 'node/odd', `task/${T0}/no-ports`, `task/${T0}/odd-state`]) {
    assert.ok(
      lines.some((l) => l.includes('set aside') && l.includes(`"key":"${key}"`)),
      `${key} named in the log: ${lines.join('')}`,
    );
    assert.equal(await store.get(key), undefined);
  }
  assert.deepEqual(
    (await store.list('set-aside/')).map(([k]) => k),
    [
      'set-aside/node/odd',
      `set-aside/task/${T0}/broken`,
      `set-aside/task/${T0}/no-ports`,
      `set-aside/task/${T0}/odd-state`,
    ],
  );
});
