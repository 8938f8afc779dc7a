import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import {
  flush,
  GRACE_MS,
  registration,
  runFor,
  settle,
  startManager,
  urlOf,
  W1,
  W2,
  type Harness,
} from './manager-harness.js';

// A replica that may run on one node alone (a global service's, pinned to its node, or one beside
// its slot's volume) waits for that node when it goes Down. When the node comes back still
// running the replica's copy, that copy is the replica's again: same container, same generation.

const SLEEP = { image: 'poseidon/busybox:latest', command: ['sleep', '600'] };
const VOLUME = { ...SLEEP, volumes: [{ name: 'data', path: '/data' }] };

const services = {
  'a global service': { name: 'db', mode: 'global', task: SLEEP },
  'a replicated service with a volume per slot': { name: 'db', replicas: 2, task: VOLUME },
};

/** Both replicas running, one on each node; then w2 misses its heartbeats and is Down. Its replica. */
async function w2Down(t: TestContext, spec: Record<string, unknown>): Promise<{ h: Harness; id: string }> {
  const h = await startManager(t);
  for (const n of [W1, W2]) await h.manager.register(registration(n));
  await h.manager.services.create(spec);
  await runFor(h, 2_000, [W1, W2]);
  const on2 = h.manager.services.tasks('db').find((x) => x.node === 'w2' && x.desiredState === 'running');
  assert.equal(on2?.state, 'Running');
  await runFor(h, 3 * GRACE_MS, [W1]);
  const waiting = h.manager.getTask(on2?.id ?? '');
  assert.deepEqual([waiting.state, waiting.nodeId], ['Pending', null], 'it waits, placed nowhere else');
  return { h, id: on2?.id ?? '' };
}

for (const [what, spec] of Object.entries(services)) {
  test(`${what}: a node back from Down still running the replica keeps that container`, async (t) => {
    const { h, id } = await w2Down(t, spec);
    const w2 = h.workers.at(urlOf(W2));
    const [copy] = w2.activeReports();
    assert.deepEqual([copy?.taskId, copy?.generation, copy?.state], [id, 1, 'Running']);
    // the worker restarted with its state (kill -9, then started again): it registers with what it holds
    await h.manager.register(registration(W2, w2.activeReports()));
    await settle(h.manager);
    await runFor(h, 3_000, [W1, W2]);
    const back = h.manager.getTask(id);
    assert.deepEqual(
      [back.state, back.node, back.generation, back.containerId],
      ['Running', 'w2', 1, copy?.containerId],
      'the same copy, adopted',
    );
    assert.deepEqual(w2.stops, [], 'never stopped');
    assert.deepEqual(w2.startsOf(id), [1], 'never started again');
    assert.equal(h.manager.services.tasks('db').filter((x) => x.desiredState === 'running').length, 2);
  });
}

test('a replica whose container ended while its node was Down gets a new one there once the node is back', async (t) => {
  const { h, id } = await w2Down(t, services['a replicated service with a volume per slot']);
  const w2 = h.workers.at(urlOf(W2));
  const old = w2.activeReports()[0]?.containerId ?? '';
  w2.fake.driver.exit(old, 1);
  for (let i = 0; i < 100 && w2.activeReports().length > 0; i++) await flush(); // the worker saw it end
  assert.deepEqual(w2.activeReports(), []);
  await settle(h.manager);
  await h.manager.register(registration(W2, w2.activeReports()));
  await settle(h.manager);
  await runFor(h, 3_000, [W1, W2]);
  // the new copy's start runs in the real worker over the fake driver, and parts of a start wait on
  // real i/o: on a busy machine its report may come many beats later. Bounded in count, each try
  // yields to i/o for a moment (CI, loaded, saw 20 tries of immediates alone fall short).
  for (let i = 0; i < 200 && h.manager.getTask(id).state !== 'Running'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    await runFor(h, 1_000, [W1, W2]);
  }
  const back = h.manager.getTask(id);
  assert.deepEqual([back.state, back.node, back.generation], ['Running', 'w2', 2], 'placed again on its node');
  assert.notEqual(back.containerId, old);
});

test('a copy of another generation, or of a task that may run elsewhere, is not adopted', async (t) => {
  const h = await startManager(t);
  for (const n of [W1, W2]) await h.manager.register(registration(n));
  await h.manager.services.create({ name: 'db', replicas: 2, task: SLEEP });
  await runFor(h, 2_000, [W1, W2]);
  const on2 = h.manager.services.tasks('db').find((x) => x.node === 'w2');
  await runFor(h, 3 * GRACE_MS, [W1]);
  // no volume: it went to w1 meanwhile; w2's copy is stopped there when w2 is back
  const w2 = h.workers.at(urlOf(W2));
  await h.manager.register(registration(W2, w2.activeReports()));
  await settle(h.manager);
  const moved = h.manager.getTask(on2?.id ?? '');
  assert.deepEqual([moved.node, moved.generation], ['w1', 2]);
  assert.deepEqual(w2.stops, [on2?.id]);
});
