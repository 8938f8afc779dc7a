import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeWorker } from '../../../testkit/fake-worker.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { taskRequest } from '../../helpers/task-request.js';

// POST /tasks/{id}/forget: the manager forgot an ended replica (its slot's history is full), and
// the worker that ran it drops its record and any container left, in its store as in memory.

const T1 = '11111111-0000-4000-8000-000000000001';
const T2 = '22222222-0000-4000-8000-000000000002';

async function idle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

test('an ended task is forgotten: its container and its record go; a running one and an unknown one stay', async (t) => {
  const fake = new FakeWorker({ name: 'w1', clock: new FakeClock() });
  await fake.start();
  t.after(() => fake.stop());
  for (const id of [T1, T2]) await fake.worker.submit(taskRequest(id), 1, 0);
  await idle();
  const ended = fake.worker.get(T1);
  assert.equal(ended.state, 'Running');
  assert.ok(ended.containerId !== null);
  fake.driver.exit(ended.containerId, 1); // exited: Failed, its container still there for its logs
  await idle();
  assert.equal(fake.worker.get(T1).state, 'Failed');

  assert.equal(await fake.worker.forget(T2), false, 'a running task is not forgotten');
  assert.equal(fake.worker.get(T2).state, 'Running');
  assert.equal(await fake.worker.forget('ffffffff-0000-4000-8000-000000000000'), false);

  assert.equal(await fake.worker.forget(T1), true);
  assert.throws(() => fake.worker.get(T1), /not found|no task/i);
  assert.equal(await fake.store.get(`task/${T1}`), undefined, 'gone from the store');
  assert.deepEqual(fake.driver.callsOf('remove').at(-1), [ended.containerId], 'its container removed');
  assert.deepEqual(
    fake.worker.list().map((v) => v.id),
    [T2],
  );
  assert.equal(await fake.worker.forget(T1), false, 'forgetting twice is harmless');
});
