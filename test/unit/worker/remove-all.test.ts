import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeWorker } from '../../../testkit/fake-worker.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { idle } from '../../helpers/idle.js';
import { taskRequest } from '../../helpers/task-request.js';

// A node removed from the cluster (`poseidon node rm`): its worker stops every task and exits for
// good, its data dir refused from then on. No container of it may be left on the engine, not even
// an ended task's, kept for its logs until then: no one reads them, and no later worker removes them.

const RUNNING = '11111111-0000-4000-8000-000000000001';
const ENDED = '22222222-0000-4000-8000-000000000002';

test("a removed node's worker removes every container it made, the ended tasks' too", async (t) => {
  const fake = new FakeWorker({ name: 'w1', clock: new FakeClock() });
  await fake.start();
  t.after(() => fake.stop());
  for (const id of [RUNNING, ENDED]) await fake.worker.submit(taskRequest(id), 1, 0);
  await idle();
  const ended = fake.worker.get(ENDED).containerId;
  assert.ok(ended !== null);
  fake.driver.exit(ended, 0); // Completed, its container kept for its logs
  await idle();
  assert.equal(fake.worker.get(ENDED).state, 'Completed');

  await fake.worker.removeAll();
  assert.deepEqual(
    [RUNNING, ENDED].map((id) => fake.driver.containersOf(id).length),
    [0, 0],
  );
  assert.deepEqual([fake.worker.get(RUNNING).state, fake.worker.get(ENDED).state], ['Completed', 'Completed']);
});
