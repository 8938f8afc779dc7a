import assert from 'node:assert/strict';
import { test } from 'node:test';
import { beat, registration, W1, W2 } from './manager-harness.js';
import { parts, stopParts } from './parts-fixture.js';
import { on } from './records-fixture.js';

test('a node that registers is Up, durable, and announced once', async (t) => {
  const p = await parts();
  t.after(() => stopParts(p));
  await p.nodes.register(registration(W1), false);
  await p.nodes.register(registration(W1), false);
  assert.deepEqual(
    p.nodes.list().map((n) => [n.name, n.state]),
    [['w1', 'Up']],
  );
  assert.equal((await p.store.list('node/')).length, 1);
  assert.deepEqual(
    p.events.map((e) => e.type),
    ['node.up'],
  );
});

test('a live node keeps its name; a second node id asking for it is refused with node_name_taken', async (t) => {
  const p = await parts({ nodes: [W1] });
  t.after(() => stopParts(p));
  await assert.rejects(p.nodes.register({ ...registration(W2), name: 'w1' }, false), { code: 'node_name_taken' });
});

test('a node that misses its heartbeats past the grace is Down and announced; a beat brings it back', async (t) => {
  const p = await parts({ nodes: [W1] });
  t.after(() => stopParts(p));
  p.nodes.deadline(W1.id);
  p.fakeClock.advance(2_999);
  assert.equal(p.nodes.list()[0]?.state, 'Up');
  p.fakeClock.advance(1);
  assert.equal(p.nodes.list()[0]?.state, 'Down');
  p.nodes.beat(W1.id, beat(W1));
  assert.equal(p.nodes.list()[0]?.state, 'Up');
  assert.deepEqual(
    p.events.map((e) => e.type),
    ['node.up', 'node.down', 'node.up'],
  );
  assert.throws(() => p.nodes.beat('no-such-node', beat(W1)), { code: 'node_not_found' });
});

test('nodes known from the store start Unknown and are declared Down only after twice the grace', async (t) => {
  const p = await parts();
  t.after(() => stopParts(p));
  const record = {
    id: W1.id,
    name: 'w1',
    url: 'http://w1',
    capacity: { cpuCores: 1, memoryBytes: 1, diskBytes: 1 },
    static: false,
    registeredAt: 't',
  };
  p.nodes.load([record]);
  assert.equal(p.nodes.list()[0]?.state, 'Unknown');
  p.fakeClock.advance(5_999);
  assert.equal(p.nodes.list()[0]?.state, 'Unknown');
  p.fakeClock.advance(1);
  assert.equal(p.nodes.list()[0]?.state, 'Down');
});

test('a digest that disagrees with what was placed asks for the list only on the second beat with the same digest', async (t) => {
  const p = await parts({ nodes: [W1] });
  t.after(() => stopParts(p));
  await p.put(on('t1', 'Running', W1.id, 1));
  const mine = p.placer.pool.of(W1.id).digest.value;
  assert.equal(p.nodes.needsResync(W1.id, mine), false);
  const other = { count: 0, hash: '0000000000000000' };
  assert.equal(p.nodes.needsResync(W1.id, other), false);
  assert.equal(p.nodes.needsResync(W1.id, other), true);
  assert.equal(p.nodes.needsResync(W1.id, { count: 1, hash: '1111111111111111' }), false, 'a digest still changing');
});

test('the node list shows what is charged on each node', async (t) => {
  const p = await parts({ nodes: [W1, W2] });
  t.after(() => stopParts(p));
  await p.put(on('t1', 'Running', W1.id, 1), on('t2', 'Completed', W2.id, 1));
  assert.deepEqual(
    p.nodes.list().map((n) => [n.name, n.taskCount]),
    [
      ['w1', 1],
      ['w2', 0],
    ],
  );
  assert.deepEqual([...p.nodes.countByState()], [['Up', 2]]);
});
