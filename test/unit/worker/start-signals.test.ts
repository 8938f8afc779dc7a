import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StartOptions } from '../../../src/driver/index.js';
import type { TaskRequest } from '../../../src/task/index.js';
import { SpareControllers } from '../../../src/worker/container-starts.js';
import { FakeWorker } from '../../../testkit/fake-worker.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { idle } from '../../helpers/idle.js';
import { taskRequest } from '../../helpers/task-request.js';

// A start's engine calls get a signal that aborts them when the task is removed meanwhile. A
// start that ended hands its controller to the next start instead of each making one (an
// EventTarget per task), only when nothing can act on its signal any more.

const T1 = '11111111-0000-4000-8000-000000000001';
const T2 = '22222222-0000-4000-8000-000000000002';

test('a controller is kept for the next start only when never aborted and no call listens to it', () => {
  const spare = new SpareControllers(2);
  const used = new AbortController();
  spare.giveBack(used);
  assert.equal(spare.take(), used, 'an ended start’s controller, unaborted and unheard, is reused');
  assert.notEqual(spare.take(), used, 'and handed out once');

  const aborted = new AbortController();
  aborted.abort();
  spare.giveBack(aborted);
  const listened = new AbortController();
  listened.signal.addEventListener('abort', () => {});
  spare.giveBack(listened);
  assert.equal(spare.size, 0, 'neither an aborted signal nor one a call still listens to is kept');

  for (let i = 0; i < 3; i++) spare.giveBack(new AbortController());
  assert.equal(spare.size, 2, 'at most `max` are kept');
});

test('a start given an ended start’s signal is aborted by its own task’s removal, not by the earlier one’s', async (t) => {
  const fake = new FakeWorker({ name: 'w1', clock: new FakeClock() });
  await fake.start();
  t.after(() => fake.stop());
  const signals = new Map<string, AbortSignal | undefined>();
  const start = fake.driver.start.bind(fake.driver);
  fake.driver.start = (task: TaskRequest, options: StartOptions) => {
    signals.set(task.id, options.signal);
    return start(task, options);
  };

  await fake.worker.submit(taskRequest(T1), 1, 0);
  await idle();
  assert.equal(fake.worker.get(T1).state, 'Running');

  fake.driver.hold('start');
  await fake.worker.submit(taskRequest(T2), 1, 0);
  await idle();
  assert.equal(signals.get(T2), signals.get(T1), 'the second start reuses the first one’s signal');
  assert.equal(signals.get(T2)?.aborted, false);
  await fake.worker.remove(T1);
  assert.equal(signals.get(T2)?.aborted, false, 'removing the task that had the signal before does not abort it');

  await fake.worker.remove(T2);
  assert.equal(signals.get(T2)?.aborted, true, 'removing the task aborts its start’s engine calls');
  fake.driver.unhold('start');
  await idle();
  assert.equal(fake.worker.get(T2).state, 'Completed');
  assert.equal(fake.worker.get(T2).containerId, null, 'the aborted start made no container');
  assert.equal(fake.driver.containersOf(T2).length, 0);

  // an aborted controller is not handed out again: the next start gets a signal of its own
  const T3 = '33333333-0000-4000-8000-000000000003';
  await fake.worker.submit(taskRequest(T3), 1, 0);
  await idle();
  assert.notEqual(signals.get(T3), signals.get(T2));
  assert.equal(signals.get(T3)?.aborted, false);
  assert.equal(fake.worker.get(T3).state, 'Running');
});
