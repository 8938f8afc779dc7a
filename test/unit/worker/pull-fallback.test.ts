import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeWorker } from '../../../testkit/fake-worker.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { idle } from '../../helpers/idle.js';
import { taskRequest } from '../../helpers/task-request.js';

// A task that pulls always whose pull failed runs the host's copy of its image (the driver says
// so, pull-policy.test.ts on the real engine): the task runs, and its reason says why and what to
// do, where `poseidon status`, `service ps` and the task.started event show it.

const T1 = '11111111-0000-4000-8000-000000000001';
const T2 = '22222222-0000-4000-8000-000000000002';

test("a start on the host's copy of its image says so as the task's reason; any other says running", async (t) => {
  const fake = new FakeWorker({ name: 'w1', clock: new FakeClock() });
  await fake.start();
  t.after(() => fake.stop());
  const said = 'running the copy of app:1 on this host, since its pull failed: no such host; check that w1 reaches…';
  const start = fake.driver.start.bind(fake.driver);
  fake.driver.start = async (task, options) => ({ ...(await start(task, options)), pullFailed: said });
  await fake.worker.submit(taskRequest(T1), 1, 0);
  await idle();
  assert.deepEqual([fake.worker.get(T1).state, fake.worker.get(T1).reason], ['Running', said]);
  fake.driver.start = start;
  await fake.worker.submit(taskRequest(T2), 1, 0);
  await idle();
  assert.deepEqual([fake.worker.get(T2).state, fake.worker.get(T2).reason], ['Running', 'running']);
});
