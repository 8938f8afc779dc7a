import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Manager } from '../../../src/manager/manager.js';
import { beat, registration, report, request, uuid, W1, W2, type NodeSpec } from './manager-harness.js';
import { managerOver, parts, type Parts } from './parts-fixture.js';
import { on } from './records-fixture.js';

// A worker stopped on purpose (SIGTERM) says so in its last beat: the manager holds its node for
// the restart grace (30 s by default) instead of the heartbeat grace (3 s here), and its tasks stay.

/** W1's last beat before it stops: it is restarting. */
const restarting = { ...beat(W1), restarting: true };

/** Advances the clock by `ms` in heartbeat periods while `alive` beat, each pass run. */
async function beatFor(p: Parts, manager: Manager, ms: number, alive: NodeSpec[]): Promise<void> {
  for (let t = 0; t < ms; t += 1_000) {
    p.fakeClock.advance(1_000);
    for (const n of alive) await manager.heartbeat(n.id, beat(n));
    await p.settle();
  }
}

/** Nodes w1 and w2, task t1 Running on w1 (generation 3), and w1's worker saying it is restarting. */
async function restartedWith(t: TestContext, restartGraceMs?: number): Promise<{ p: Parts; manager: Manager }> {
  const p = await parts({ nodes: [W1, W2], ...(restartGraceMs === undefined ? {} : { restartGraceMs }) });
  const manager = managerOver(t, p);
  await p.put(on('t1', 'Running', W1.id, 3));
  await manager.heartbeat(W1.id, restarting);
  return { p, manager };
}

const stateOf = (manager: Manager): [string | undefined, boolean | undefined] => {
  const w1 = manager.listNodes().find((n) => n.name === 'w1');
  return [w1?.state, w1?.restarting];
};

test('a node whose worker says it is restarting is not Down within the restart grace, and its tasks stay', async (t) => {
  const { p, manager } = await restartedWith(t);
  assert.deepEqual(stateOf(manager), ['Up', true]);
  await beatFor(p, manager, 29_000, [W2]);
  assert.deepEqual(stateOf(manager), ['Up', true]);
  const t1 = manager.getTask('t1');
  assert.deepEqual([t1.state, t1.node, t1.generation], ['Running', 'w1', 3]);
  assert.deepEqual(
    p.events.filter((e) => e.type.startsWith('node.') || e.type === 'task.lost').map((e) => e.type),
    ['node.up', 'node.up', 'node.restarting'],
  );
  assert.match(p.events.at(-1)?.reason ?? '', /restarting; its tasks stay for up to 30s/);
});

test('a restarting node takes no new work, saying why', async (t) => {
  const p = await parts({ nodes: [W1] });
  const manager = managerOver(t, p);
  await manager.heartbeat(W1.id, restarting);
  const fresh = await manager.submit(request(uuid('n')));
  await p.settle();
  const view = manager.getTask(fresh.id);
  assert.equal(view.state, 'Pending');
  assert.match(view.reason, /1 node restarting/);
  // back: registered again, it takes work, and the waiting task is placed there
  await manager.register(registration(W1));
  await p.settle();
  assert.equal(manager.getTask(fresh.id).state, 'Running');
});

test('a restarting node that comes back within the grace is Up as before; nothing moved', async (t) => {
  const { p, manager } = await restartedWith(t);
  await beatFor(p, manager, 10_000, [W2]);
  // the worker, started again, registers with the task it still runs
  await manager.register(registration(W1, [report('t1', 3, 'Running')]));
  await p.settle();
  assert.deepEqual(stateOf(manager), ['Up', undefined]);
  const t1 = manager.getTask('t1');
  assert.deepEqual([t1.state, t1.node, t1.generation], ['Running', 'w1', 3]);
  assert.equal(
    p.events.filter((e) => e.type === 'task.lost').length,
    0,
    p.events.map((e) => `${e.type} ${e.reason ?? ''}`).join('\n'),
  );
  // back, it is held by the heartbeat grace as any node
  p.fakeClock.advance(3_000);
  assert.deepEqual(stateOf(manager), ['Down', undefined]);
  assert.deepEqual(
    p.events.filter((e) => e.node === 'w1').map((e) => e.type),
    ['node.up', 'node.restarting', 'node.up', 'node.down'],
  );
});

test('a restarting node that does not come back is Down after the restart grace, saying so, and its tasks move', async (t) => {
  const { p, manager } = await restartedWith(t);
  await beatFor(p, manager, 31_000, [W2]);
  assert.deepEqual(stateOf(manager), ['Down', undefined]);
  const down = p.events.find((e) => e.type === 'node.down');
  assert.equal(down?.reason, 'did not come back from its restart within 30s');
  const t1 = manager.getTask('t1');
  assert.deepEqual([t1.state, t1.node], ['Running', 'w2']);
  assert.ok(t1.generation > 3);
});

test('a node that just stops beating is still Down after the heartbeat grace', async (t) => {
  const p = await parts({ nodes: [W1, W2] });
  const manager = managerOver(t, p);
  await manager.heartbeat(W1.id, beat(W1));
  p.fakeClock.advance(2_999);
  assert.deepEqual(stateOf(manager), ['Up', undefined]);
  p.fakeClock.advance(1);
  assert.deepEqual(stateOf(manager), ['Down', undefined]);
  assert.equal(p.events.find((e) => e.type === 'node.down')?.reason, 'missed heartbeats');
});

test('restart grace 0: a restarting node is Down after the heartbeat grace, as any node', async (t) => {
  const { p, manager } = await restartedWith(t, 0);
  assert.deepEqual(stateOf(manager), ['Up', undefined]);
  p.fakeClock.advance(2_999);
  assert.deepEqual(stateOf(manager), ['Up', undefined]);
  p.fakeClock.advance(1);
  assert.deepEqual(stateOf(manager), ['Down', undefined]);
  assert.equal(p.events.find((e) => e.type === 'node.down')?.reason, 'missed heartbeats');
  assert.equal(
    p.events.some((e) => e.type === 'node.restarting'),
    false,
  );
});

test('a plain beat ends the hold too; a node that was Down and says it restarts is announced Up, then held', async (t) => {
  const { p, manager } = await restartedWith(t);
  await manager.heartbeat(W1.id, beat(W1));
  assert.deepEqual(stateOf(manager), ['Up', undefined]);
  p.fakeClock.advance(3_000);
  assert.deepEqual(stateOf(manager), ['Down', undefined]);
  await manager.heartbeat(W1.id, restarting);
  assert.deepEqual(stateOf(manager), ['Up', true]);
  assert.deepEqual(
    p.events.filter((e) => e.node === 'w1').map((e) => e.type),
    ['node.up', 'node.restarting', 'node.up', 'node.down', 'node.up', 'node.restarting'],
  );
});
