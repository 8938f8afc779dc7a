import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConstraint } from '../../../src/task/index.js';
import { GiB, registration, request, settle, startManager, uuid, W1, W2, type NodeSpec } from './manager-harness.js';

// A Pending task's view says when no node could ever hold it (unplaceable), apart from one that
// waits for room now: a wait ends at once on the first, never on the second.

const BIG: NodeSpec = { id: '33333333-3333-4333-8333-333333333333', name: 'big', memoryGiB: 1024 };

test('a task above every node’s whole memory is unplaceable, until a node that has it joins', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration({ ...W1, memoryGiB: 24 }));
  await h.manager.register(registration(W2));
  const id = uuid('u1');
  await h.manager.submit(request(id, { name: 'huge', memoryBytes: 500 * GiB }));
  await settle(h.manager);
  const waiting = h.manager.getTask(id);
  assert.equal(waiting.state, 'Pending');
  assert.match(waiting.reason, /^0\/2 nodes can run huge: 2 not enough free memory/); // as before
  assert.deepEqual(waiting.unplaceable, {
    reason: '0/2 nodes could ever hold it: 2 nodes have less than 500 GiB memory in all (the biggest, w1, has 24 GiB)',
    cause: 'memory',
  });
  await h.manager.register(registration(BIG));
  await settle(h.manager);
  const placed = h.manager.getTask(id);
  assert.equal(placed.node, 'big');
  assert.equal(placed.unplaceable, undefined);
});

test('a task that waits for free room now is not unplaceable', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1)); // 16 GiB
  await h.manager.submit(request(uuid('f1'), { name: 'first', memoryBytes: 12 * GiB }));
  await settle(h.manager);
  const id = uuid('f2');
  await h.manager.submit(request(id, { name: 'second', memoryBytes: 8 * GiB }));
  await settle(h.manager);
  const waiting = h.manager.getTask(id);
  assert.equal(waiting.state, 'Pending');
  assert.match(waiting.reason, /not enough free memory/);
  assert.equal(waiting.unplaceable, undefined);
});

test('a constraint no node matches is unplaceable with its cause; a stopped task no longer says so', async (t) => {
  const h = await startManager(t);
  await h.manager.register({ ...registration(W1), labels: { zone: 'earth' } });
  const id = uuid('c1');
  const constraints = [parseConstraint('constraints.0', 'node.labels.zone==mars')];
  await h.manager.submit(request(id, { name: 'rover', constraints }));
  await settle(h.manager);
  assert.deepEqual(h.manager.getTask(id).unplaceable, {
    reason: '0/1 nodes could ever hold it: 1 node does not match node.labels.zone == mars',
    cause: 'constraints',
  });
  await h.manager.stopTask(id);
  await settle(h.manager);
  assert.equal(h.manager.getTask(id).unplaceable, undefined);
});
