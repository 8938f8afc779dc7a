import assert from 'node:assert/strict';
import { test } from 'node:test';
import { beat, registration, startManager, W1, W2, type NodeSpec } from './manager-harness.js';

// A worker's tunnel refuses a removed node's certificate once it knows of the removal: the manager
// tells each node the revoked ids in a heartbeat (or register) reply, once per change of the set;
// the common beat's reply carries nothing more.

const W3: NodeSpec = { id: '33333333-3333-4333-8333-333333333333', name: 'w3' };

test("a node rm reaches each other node in its next beat's reply, once; a register reply says all", async (t) => {
  const h = await startManager(t);
  for (const n of [W1, W2, W3]) assert.equal((await h.manager.register(registration(n))).revoked, undefined, n.name);
  assert.equal((await h.manager.heartbeat(W1.id, beat(W1))).revoked, undefined, 'none removed: nothing said');
  await h.manager.removeNode(W2.id);
  assert.deepEqual((await h.manager.heartbeat(W1.id, beat(W1))).revoked, [W2.id]);
  assert.equal((await h.manager.heartbeat(W1.id, beat(W1))).revoked, undefined, 'told once');
  assert.deepEqual((await h.manager.heartbeat(W3.id, beat(W3))).revoked, [W2.id], 'each node is told');
  // a worker that restarts holds none: its register reply says them all
  assert.deepEqual((await h.manager.register(registration(W1))).revoked, [W2.id]);
  assert.equal((await h.manager.heartbeat(W1.id, beat(W1))).revoked, undefined);
  await h.manager.removeNode(W3.id);
  assert.deepEqual(new Set((await h.manager.heartbeat(W1.id, beat(W1))).revoked), new Set([W2.id, W3.id]));
});

test('a manager started over stored revocations tells each node on its first beat', async (t) => {
  const first = await startManager(t);
  for (const n of [W1, W2]) await first.manager.register(registration(n));
  await first.manager.removeNode(W2.id);
  await first.manager.stop();
  const h = await startManager(t, { store: first.store });
  assert.deepEqual((await h.manager.heartbeat(W1.id, beat(W1))).revoked, [W2.id]);
  assert.equal((await h.manager.heartbeat(W1.id, beat(W1))).revoked, undefined);
});
