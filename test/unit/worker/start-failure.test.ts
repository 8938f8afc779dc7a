import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toReport } from '../../../src/api/index.js';
import { ImageUnavailable } from '../../../src/driver/index.js';
import { FakeWorker } from '../../../testkit/fake-worker.js';
import { EngineError } from '../../../testkit/fake-driver.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { idle } from '../../helpers/idle.js';
import { taskRequest } from '../../helpers/task-request.js';

// A start that fails keeps the code of why beside its words (`errorCode`), in the worker's view
// and in the report the manager keeps it from: a CLI's wait ends on a missing image by that code,
// never by reading the words.

const T1 = '11111111-0000-4000-8000-000000000001';
const T2 = '22222222-0000-4000-8000-000000000002';

test('a start that failed for a known reason reports its code; one that failed otherwise has none', async (t) => {
  const fake = new FakeWorker({ name: 'w1', clock: new FakeClock() });
  await fake.start();
  t.after(() => fake.stop());
  fake.driver.failNext('start', new ImageUnavailable('nope/web', 'pull access denied for nope/web'));
  await fake.worker.submit(taskRequest(T1), 1, 0);
  await idle();
  const failed = fake.worker.get(T1);
  assert.deepEqual(
    [failed.state, failed.reason, failed.errorCode],
    [
      'Failed',
      'image nope/web is not on this host and could not be pulled: pull access denied for nope/web',
      'image_unavailable',
    ],
  );
  assert.equal(toReport(failed).errorCode, 'image_unavailable');
  // an engine's answer that is no Poseidon error (a bug, or an engine this does not know) has no code
  fake.driver.failNext('start', new EngineError());
  await fake.worker.submit(taskRequest(T2), 1, 0);
  await idle();
  const other = fake.worker.get(T2);
  assert.equal(other.state, 'Failed');
  assert.equal(other.errorCode, undefined);
  assert.equal('errorCode' in toReport(other), false);
});
