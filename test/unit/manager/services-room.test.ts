import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ClusterEvent } from '../../../src/manager/events.js';
import { beat, registration, settle, startManager, urlOf, type Harness, type NodeSpec } from './manager-harness.js';

// A start-first update where nodes have room for one replica each, not two: the real manager,
// scheduler and store, the real Worker over the fake driver, time the fake clock.

const W1: NodeSpec = { id: '11111111-1111-4111-8111-111111111111', name: 'w1', memoryGiB: 1.5 };
const W2: NodeSpec = { id: '22222222-2222-4222-8222-222222222222', name: 'w2', memoryGiB: 1.5 };
const W3: NodeSpec = { id: '33333333-3333-4333-8333-333333333333', name: 'w3', memoryGiB: 1.5 };

const spec = (image: string): Record<string, unknown> => ({
  name: 'web',
  replicas: 2,
  task: { image, command: ['sleep', '600'], memory: '1Gi' },
  update: { monitor: '1s' },
});

/** Updates web to version 2 and runs the clock until the rollout ends; the fewest replicas running meanwhile. */
async function update(
  t: TestContext,
  nodes: NodeSpec[],
): Promise<{ h: Harness; events: ClusterEvent[]; least: number }> {
  const h = await startManager(t);
  for (const n of nodes) await h.manager.register(registration(n));
  await h.manager.services.create(spec('poseidon/busybox:latest'));
  await settle(h.manager);
  assert.equal(h.manager.services.get('web').running, 2);
  const events: ClusterEvent[] = [];
  h.manager.events.subscribe((e) => events.push(e));
  await h.manager.services.update('web', spec('poseidon/busybox:2'));
  let least = 2;
  for (let i = 0; i < 200 && h.manager.services.get('web').update?.state === 'updating'; i++) {
    h.clock.advance(250);
    for (const n of nodes) await h.manager.heartbeat(n.id, beat(n, h.workers.at(urlOf(n)).activeReports()));
    await settle(h.manager);
    least = Math.min(least, h.manager.services.get('web').running);
  }
  return { h, events, least };
}

const NOTE = 'updated stop-first: no node has room for both versions';

test('two nodes, each with room for one replica: each slot goes stop-first in turn, and the update completes', async (t) => {
  const { h, events, least } = await update(t, [W1, W2]);
  const view = h.manager.services.get('web');
  assert.equal(view.update?.state, 'completed', view.update?.reason);
  assert.equal(view.update?.reason, `all 2 replicas run version 2; web-1, web-2 ${NOTE}`);
  assert.ok(least >= 1, 'one slot down at a time at most (parallelism 1), as stop-first keeps');
  const live = h.manager.services.tasks('web').filter((x) => x.desiredState === 'running');
  assert.deepEqual(
    live.map((x) => [x.slot, x.version, x.state]),
    [
      [1, 2, 'Running'],
      [2, 2, 'Running'],
    ],
  );
  const notes = events.filter((e) => e.type === 'update.progress' && e.note !== undefined).map((e) => e.note);
  assert.deepEqual(notes, [`web-1 ${NOTE}`, `web-2 ${NOTE}`], 'each said once');
  const old = h.manager.services.tasks('web').filter((x) => x.version === 1);
  for (const x of old) assert.match(x.reason, /no node has room for both versions/);
});

test('a third node with room: start-first throughout, never a replica down, nothing to say', async (t) => {
  const { h, events, least } = await update(t, [W1, W2, W3]);
  const view = h.manager.services.get('web');
  assert.equal(view.update?.state, 'completed', view.update?.reason);
  assert.equal(view.update?.reason, 'all 2 replicas run version 2');
  assert.equal(least, 2);
  assert.deepEqual(
    events.filter((e) => e.note !== undefined),
    [],
  );
});
