import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino, type Logger } from 'pino';
import { MemoryStore } from '../../../src/store/index.js';
import type { WorkerTaskRecord } from '../../../src/worker/record.js';
import { FakeWorker } from '../../../testkit/fake-worker.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { taskRequest } from '../../helpers/task-request.js';

// A worker's start reads its task records back from its store. A record it cannot use (written by
// another version, or damaged) is set aside with a log line naming its key and the problem, and
// the worker starts with the rest, instead of failing at its first heartbeat or report.

const GOOD = '11111111-0000-4000-8000-000000000001';

/** A logger that keeps its lines, parsed. */
function recording(): { log: Logger; logged: Array<Record<string, unknown>> } {
  const logged: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'info' },
    { write: (line: string) => logged.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { log, logged };
}

test('a stored task record the worker cannot use is set aside, named in the log, and the rest load', async (t) => {
  const clock = new FakeClock();
  const store = new MemoryStore<WorkerTaskRecord>();
  const first = new FakeWorker({ name: 'w1', clock, store });
  await first.start();
  await first.worker.submit(taskRequest(GOOD), 1, 0);
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(first.worker.get(GOOD).state, 'Running');
  await first.stop();

  const good = (await store.get(`task/${GOOD}`)) as WorkerTaskRecord;
  const bad: Record<string, unknown> = {
    'task/no-ports': { ...good, request: { ...good.request, id: 'no-ports', ports: undefined } },
    'task/odd-state': { ...good, request: { ...good.request, id: 'odd-state' }, state: 'Sleeping' },
    'task/no-health': { ...good, request: { ...good.request, id: 'no-health' }, health: null },
    'task/not-a-record': 'text',
  };
  for (const [key, value] of Object.entries(bad)) await store.put(key, value as WorkerTaskRecord);

  const { log, logged } = recording();
  const second = new FakeWorker({ name: 'w1', clock, store, log, driver: first.driver });
  await second.start();
  t.after(() => second.stop());

  assert.deepEqual(
    second.worker.list().map((v) => v.id),
    [GOOD],
    'the good record loads',
  );
  const setAside = logged.filter((l) => l['msg'] === 'stored task record cannot be used; set aside');
  assert.deepEqual(setAside.map((l) => l['key']).sort(), Object.keys(bad).sort());
  assert.match(String(setAside.find((l) => l['key'] === 'task/odd-state')?.['problem']), /unknown state "Sleeping"/);
  assert.match(String(setAside.find((l) => l['key'] === 'task/no-ports')?.['problem']), /ports/);
  for (const key of Object.keys(bad)) assert.equal(await store.get(key), undefined, `${key} is out of the way`);
  assert.deepEqual(
    (await store.list('set-aside/')).map(([k]) => k).sort(),
    Object.keys(bad)
      .map((k) => `set-aside/${k}`)
      .sort(),
    'and kept as it was, for someone to look at',
  );
  assert.equal(second.worker.get(GOOD).state, 'Running', 'its running task is still known');
});
