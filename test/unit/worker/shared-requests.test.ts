import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeWorker } from '../../../testkit/fake-worker.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { taskRequest } from '../../helpers/task-request.js';

// A worker keeps one copy of what many of its tasks' requests hold alike (SharedParts), as the
// manager does: each request arrives as fresh JSON, and 5,000 tasks of one image and command
// otherwise keep 5,000 copies of each.

const T1 = '11111111-0000-4000-8000-000000000001';
const T2 = '22222222-0000-4000-8000-000000000002';

async function idle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

test('two tasks alike share their command and labels on the worker, with their content unchanged', async (t) => {
  const fake = new FakeWorker({ name: 'w1', clock: new FakeClock() });
  await fake.start();
  t.after(() => fake.stop());
  const alike = { command: ['sleep', '600'], labels: { team: 'web' } };
  for (const id of [T1, T2]) await fake.worker.submit(taskRequest(id, structuredClone(alike)), 1, 0);
  await idle();
  const [a, b] = [T1, T2].map((id) => fake.driver.containersOf(id)[0]);
  assert.ok(a !== undefined && b !== undefined, 'both started');
  assert.equal(a.command, b.command, 'one command array for both');
  assert.deepEqual(a.command, ['sleep', '600']);
  assert.equal(a.labels['team'], 'web');
  assert.ok(Object.isFrozen(a.command), 'shared, so frozen: a change by mistake throws');
});
