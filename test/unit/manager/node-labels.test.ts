import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ManagerRecord } from '../../../src/manager/manager.js';
import { recordProblem } from '../../../src/manager/record-checks.js';
import { MemoryStore } from '../../../src/store/index.js';
import { parseConstraint, type TaskRequest } from '../../../src/task/index.js';
import { ControlledStore } from './controlled-store.js';
import { registration, request, settle, startManager, uuid, W1, W2 } from './manager-harness.js';

// `poseidon node update --label-add/--label-rm`: the operator's labels over the worker's, with the
// real manager, scheduler and memory store.

function withRule(rule: string): Partial<TaskRequest> {
  return { constraints: [parseConstraint('constraints[0]', rule)] };
}

test("the operator's labels go over the worker's, and a task waiting for one is placed once it is set", async (t) => {
  const h = await startManager(t);
  await h.manager.register({ ...registration(W1), labels: { zone: 'a', disk: 'hdd' } });
  const id = uuid('1ab1');
  await h.manager.submit(request(id, { name: 'db', ...withRule('node.labels.disk == ssd') }));
  await settle(h.manager);
  assert.equal(h.manager.getTask(id).state, 'Pending');
  const events: string[] = [];
  h.manager.events.subscribe((e) => {
    if (e.type.startsWith('node.')) events.push(`${e.type} ${e.node ?? ''} ${e.reason ?? ''}`);
  });
  const view = await h.manager.updateNodeLabels('w1', { disk: 'ssd', rack: 'r1' }, []);
  assert.deepEqual(view.labels, { zone: 'a', disk: 'ssd', rack: 'r1' });
  assert.deepEqual(view.operatorLabels, { disk: 'ssd', rack: 'r1' });
  await settle(h.manager);
  assert.equal(h.manager.getTask(id).node, 'w1', 'placed by the new label');
  assert.deepEqual(events, ['node.updated w1 labels disk=ssd, rack=r1']);
});

test("removing a label: the operator's goes, the worker's is hidden, one that is not there changes nothing", async (t) => {
  const h = await startManager(t);
  await h.manager.register({ ...registration(W1), labels: { zone: 'a', disk: 'hdd' } });
  await h.manager.updateNodeLabels('w1', { rack: 'r1', disk: 'ssd' }, []);
  const view = await h.manager.updateNodeLabels(W1.id, {}, ['rack', 'disk', 'zone', 'gpu']);
  assert.deepEqual(view.labels, {});
  assert.deepEqual(view.operatorLabels, { disk: null, zone: null }, "the worker's two are hidden, rack just goes");
  const id = uuid('1ab2');
  await h.manager.submit(request(id, { name: 'web', ...withRule('node.labels.zone == a') }));
  await settle(h.manager);
  assert.equal(h.manager.getTask(id).state, 'Pending', 'a removed label of the worker no longer matches');
  const again = await h.manager.updateNodeLabels('w1', { zone: 'a' }, []);
  assert.deepEqual(again.labels, { zone: 'a' });
  await settle(h.manager);
  assert.equal(h.manager.getTask(id).node, 'w1');
});

test('labels set by the operator are durable: a manager restart and the worker registering again keep them', async (t) => {
  const store = new MemoryStore<ManagerRecord>();
  const first = await startManager(t, { store });
  await first.manager.register({ ...registration(W1), labels: { zone: 'a' } });
  await first.manager.updateNodeLabels('w1', { zone: 'b' }, []);
  await first.manager.stop();
  for (const [, rec] of await store.list('')) assert.equal(recordProblem(rec), null);
  const second = await startManager(t, { store, clock: first.clock });
  // the worker restarted with new labels of its own: the operator's still win
  await second.manager.register({ ...registration(W1), labels: { zone: 'c', os: 'linux' } });
  assert.deepEqual(second.manager.listNodes()[0]?.labels, { zone: 'b', os: 'linux' });
  const id = uuid('1ab3');
  await second.manager.submit(request(id, withRule('node.labels.zone == b')));
  await settle(second.manager);
  assert.equal(second.manager.getTask(id).node, 'w1');
});

test('a task running on a node whose labels no longer match stays there; new ones go where they match', async (t) => {
  const h = await startManager(t);
  await h.manager.register({ ...registration(W1), labels: { zone: 'a' } });
  await h.manager.register({ ...registration(W2), labels: { zone: 'b' } });
  const first = uuid('1ab4');
  await h.manager.submit(request(first, withRule('node.labels.zone == a')));
  await settle(h.manager);
  assert.equal(h.manager.getTask(first).node, 'w1');
  await h.manager.updateNodeLabels('w1', { zone: 'b' }, []);
  await h.manager.updateNodeLabels('w2', { zone: 'a' }, []);
  const second = uuid('1ab5');
  await h.manager.submit(request(second, withRule('node.labels.zone == a')));
  await settle(h.manager);
  assert.equal(h.manager.getTask(first).node, 'w1', 'running tasks stay (checked when placed)');
  assert.equal(h.manager.getTask(first).state, 'Running', h.manager.getTask(first).reason);
  assert.equal(h.manager.getTask(second).node, 'w2');
});

test('the same labels again write nothing and say nothing; a key both set and removed, or too many, is refused', async (t) => {
  const h = await startManager(t);
  await h.manager.register({ ...registration(W1), labels: { zone: 'a' } });
  await h.manager.updateNodeLabels('w1', { zone: 'b' }, []);
  const events: string[] = [];
  h.manager.events.subscribe((e) => events.push(e.type));
  const writes = h.store.stats().writes;
  await h.manager.updateNodeLabels('w1', { zone: 'b' }, ['gpu']);
  assert.equal(h.store.stats().writes, writes);
  assert.deepEqual(events, []);
  await assert.rejects(h.manager.updateNodeLabels('w1', { zone: 'c' }, ['zone']), {
    code: 'invalid_request',
    message: 'remove names zone, which add sets; give a label one of the two',
  });
  const many = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, 'v']));
  await assert.rejects(
    h.manager.updateNodeLabels('w1', many, []),
    /would give node w1 33 labels; a node takes at most 32/,
  );
  assert.deepEqual(h.manager.listNodes()[0]?.labels, { zone: 'b' }, 'a refused update changes nothing');
  await assert.rejects(h.manager.updateNodeLabels('nope', { zone: 'b' }, []), /nope/);
});

test("a worker registering again while `node update` writes keeps the operator's change, and the operator keeps the worker's", async (t) => {
  const store = new ControlledStore<ManagerRecord>();
  const h = await startManager(t, { store });
  await h.manager.register({ ...registration(W1), labels: { zone: 'a' } });
  // the operator's write is on its way when the worker (restarted, new labels and address) registers
  store.hold();
  const labelled = h.manager.updateNodeLabels('w1', { zone: 'b' }, []);
  const paused = h.manager.pauseNode('w1');
  const again = h.manager.register({
    ...registration(W1),
    url: 'https://127.0.0.1:19999',
    labels: { zone: 'c', disk: 'ssd' },
  });
  await settle(h.manager);
  store.release();
  await Promise.all([labelled, paused, again]);
  const node = h.manager.listNodes()[0];
  assert.deepEqual(node?.labels, { zone: 'b', disk: 'ssd' }, "the operator's over the worker's new ones");
  assert.equal(node?.availability, 'pause');
  assert.equal(node?.url, 'https://127.0.0.1:19999');
  // and so it stays over a manager restart: memory and store agree
  await h.manager.stop();
  const second = await startManager(t, { store, clock: h.clock });
  const stored = second.manager.listNodes()[0];
  assert.deepEqual([stored?.labels, stored?.availability, stored?.url], [node?.labels, 'pause', node?.url]);
});
