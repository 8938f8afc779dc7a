import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Manager } from '../../../src/manager/manager.js';
import { beat, registration, report, request, uuid, W1, W2, type NodeSpec } from './manager-harness.js';
import { managerOver, parts, stopParts, type Parts } from './parts-fixture.js';
import { on } from './records-fixture.js';
import { sameUrl } from '../../../src/manager/node-tracker.js';

test('a node that registers is Up, durable, and announced once', async (t) => {
  const p = await parts();
  t.after(() => stopParts(p));
  await p.nodes.register(registration(W1));
  await p.nodes.register(registration(W1));
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

test("a node's stop grace from its registration is kept in its record, for the stop calls to wait out", async (t) => {
  const p = await parts();
  t.after(() => stopParts(p));
  await p.nodes.register({ ...registration(W1), stopGraceSeconds: 30 });
  await p.nodes.register(registration(W2));
  const stored = (await p.store.list('node/')).flatMap(([, v]) => (v.kind === 'node' ? [v.node] : []));
  assert.deepEqual(stored.map((n) => [n.name, n.stopGraceSeconds]).sort(), [
    ['w1', 30],
    ['w2', undefined],
  ]);
});

test("a node's host id from its registration is in its view (GET /nodes: hostId); none from older ones", async (t) => {
  const p = await parts();
  const manager = managerOver(t, p);
  await manager.register({ ...registration(W1), hostId: 'rack1-host3' });
  await manager.register(registration(W2));
  const views = manager.listNodes().map((n) => [n.name, n.hostId, 'hostId' in n]);
  assert.deepEqual(views.sort(), [
    ['w1', 'rack1-host3', true],
    ['w2', undefined, false],
  ]);
});

test('a live node keeps its name; a second node id asking for it is refused with node_name_taken', async (t) => {
  const p = await parts({ nodes: [W1] });
  t.after(() => stopParts(p));
  await assert.rejects(p.nodes.register({ ...registration(W2), name: 'w1' }), { code: 'node_name_taken' });
});

test("a second node registering a live node's URL is refused naming it; once that node is Down, it may", async (t) => {
  const p = await parts({ nodes: [W1] });
  t.after(() => stopParts(p));
  const w1Url = registration(W1).url;
  // the same URL in another spelling (case, a path) is the same URL
  for (const url of [w1Url, `${w1Url}/`, w1Url.toUpperCase()])
    await assert.rejects(p.nodes.register({ ...registration(W2), url }), {
      code: 'node_url_taken',
      message: new RegExp(`^node w1 \\(${W1.id}\\), which is up, registered `),
    });
  // the node itself may register again, at its URL or another (a restart on a new port)
  await p.nodes.register(registration(W1));
  await p.nodes.register({ ...registration(W1), url: 'http://w1.test:7071' });
  await p.nodes.register({ ...registration(W2), url: w1Url }); // w1 left it
  await p.nodes.register({ ...registration(W1), url: 'http://w1.test:7072' });
  // a node Down leaves its URL to the next
  p.nodes.deadline(W1.id);
  p.fakeClock.advance(3_000);
  assert.equal(p.nodes.list().find((n) => n.id === W1.id)?.state, 'Down');
  await p.nodes.register({ ...registration(W2), url: 'http://w1.test:7072' });
  assert.equal(p.nodes.list().find((n) => n.id === W2.id)?.state, 'Up');
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

// ---- the container engine's health is the node's ----

const AWAY = { available: false, since: '2025-01-01T00:00:00.000Z', reason: 'cannot reach the Docker engine' };
const BACK = { available: true, since: '2025-01-01T00:00:10.000Z', reason: '' };

/** Beats for `ms` in heartbeat periods: `engineAway` nodes say their engine is away, the others that it answers. */
async function beatFor(
  p: Parts,
  manager: Manager,
  ms: number,
  nodes: NodeSpec[],
  engineAway: NodeSpec[],
): Promise<void> {
  for (let t = 0; t < ms; t += 1_000) {
    p.fakeClock.advance(1_000);
    for (const n of nodes) await manager.heartbeat(n.id, { ...beat(n), engine: engineAway.includes(n) ? AWAY : BACK });
    await p.settle();
  }
}

test('a node whose engine is away takes no new work, says so, and its tasks keep their state and restarts within the grace', async (t) => {
  const p = await parts({ nodes: [W1] });
  const manager = managerOver(t, p);
  await p.put(on('t1', 'Running', W1.id, 1));
  await manager.heartbeat(W1.id, { ...beat(W1), engine: AWAY });
  const [node] = manager.listNodes();
  assert.equal(node?.state, 'Up');
  assert.deepEqual(node?.conditions, [`engine unavailable since ${AWAY.since}: ${AWAY.reason}`]);
  const fresh = await manager.submit(request(uuid('b')));
  assert.equal(fresh.state, 'Pending');
  assert.equal(fresh.reason, `0/1 nodes can run ${fresh.name}: 1 node without a container engine`);
  await beatFor(p, manager, 29_000, [W1], [W1]);
  const t1 = manager.getTask('t1');
  assert.deepEqual([t1.state, t1.node, t1.restarts, t1.generation], ['Running', 'w1', 0, 1]);
  assert.deepEqual(
    p.events.filter((e) => e.type.startsWith('node.engine')).map((e) => e.type),
    ['node.engine-down'],
  );
});

test('an engine back within the grace: the node takes work again and owns its tasks, each with its generation', async (t) => {
  const p = await parts({ nodes: [W1] });
  const manager = managerOver(t, p);
  await p.put(on('t1', 'Running', W1.id, 4));
  await manager.heartbeat(W1.id, { ...beat(W1), engine: AWAY });
  const waiting = await manager.submit(request(uuid('b')));
  const reply = await manager.heartbeat(W1.id, { ...beat(W1), engine: BACK, listOwned: true });
  assert.deepEqual(reply.owned, [{ taskId: 't1', generation: 4 }]);
  await p.settle();
  assert.equal(manager.getTask(waiting.id).state, 'Running', 'the waiting task was placed once the engine answered');
  assert.deepEqual(manager.listNodes()[0]?.conditions, []);
});

test('an engine away past the grace gives its tasks up: they run elsewhere under a newer generation, and the node no longer owns them', async (t) => {
  const p = await parts({ nodes: [W1, W2] });
  const manager = managerOver(t, p);
  await p.put(on('t1', 'Running', W1.id, 1));
  await manager.heartbeat(W1.id, { ...beat(W1), engine: AWAY });
  await beatFor(p, manager, 31_000, [W1, W2], [W1]);
  const t1 = manager.getTask('t1');
  assert.deepEqual([t1.state, t1.node, t1.generation, t1.restarts], ['Running', 'w2', 2, 0]);
  assert.ok(p.events.some((e) => e.type === 'node.engine-lost' && e.node === 'w1'));
  assert.ok(p.events.some((e) => e.type === 'task.lost' && /container engine stayed unavailable/.test(e.reason ?? '')));
  const reply = await manager.heartbeat(W1.id, { ...beat(W1), engine: BACK, listOwned: true });
  assert.deepEqual(reply.owned, []);
  // the stale copy the node reports is stopped there
  await manager.heartbeat(W1.id, { ...beat(W1, [report('t1', 1, 'Running')]), engine: BACK });
  await p.settle();
  assert.deepEqual(p.calls.get('http://w1.test:7070'), ['stop t1 g1']);
});

// ---- host ports held outside Poseidon ----

test('a task asking for a host port held outside Poseidon waits, saying so, and is placed once a beat says it is free', async (t) => {
  const p = await parts({ nodes: [W1] });
  const manager = managerOver(t, p);
  const held = { ...beat(W1), metrics: { ...beat(W1).metrics, portsInUse: ['22/tcp', '8080/tcp'] } };
  await manager.heartbeat(W1.id, held);
  assert.deepEqual(manager.listNodes()[0]?.portsInUse, ['22/tcp', '8080/tcp']);
  const asks = await manager.submit(
    request(uuid('p'), { ports: [{ containerPort: 80, hostPort: 8080, protocol: 'tcp' }] }),
  );
  const other = await manager.submit(
    request(uuid('q'), { ports: [{ containerPort: 80, hostPort: 9090, protocol: 'tcp' }] }),
  );
  await p.settle();
  assert.equal(manager.getTask(asks.id).state, 'Pending');
  assert.equal(
    manager.getTask(asks.id).reason,
    `0/1 nodes can run ${asks.name}: 1 host port 8080/tcp held outside Poseidon`,
  );
  assert.equal(manager.getTask(other.id).state, 'Running', 'a port nothing holds is placed as before');
  await manager.heartbeat(W1.id, held);
  await p.settle();
  assert.equal(manager.getTask(asks.id).state, 'Pending', 'the same ports again: still waiting');
  await manager.heartbeat(W1.id, { ...beat(W1), metrics: { ...beat(W1).metrics, portsInUse: ['22/tcp'] } });
  await p.settle();
  assert.equal(manager.getTask(asks.id).state, 'Running', 'placed once the port was freed, with no other event');
  assert.equal(manager.getTask(asks.id).node, 'w1');
});

test('URLs are compared as one server: loopback by any of its names, the default port, a trailing dot', () => {
  const same = [
    ['https://127.0.0.1:7071', 'https://localhost:7071'],
    ['https://127.0.0.1:7071', 'https://[::1]:7071'],
    ['https://127.0.0.1:7071', 'https://[::ffff:127.0.0.1]:7071'],
    ['https://LOCALHOST:7071/', 'https://localhost.:7071'],
    ['https://w1.test', 'https://w1.test:443'],
  ];
  for (const [a = '', b = ''] of same) assert.equal(sameUrl(a), sameUrl(b), `${a} ${b}`);
  const apart = [
    ['https://127.0.0.1:7071', 'https://127.0.0.1:7072'],
    ['https://127.0.0.1:7071', 'http://127.0.0.1:7071'],
    ['https://127.0.0.1:7071', 'https://127.0.0.2:7071'],
    ['https://w1.test:7071', 'https://w2.test:7071'],
  ];
  for (const [a = '', b = ''] of apart) assert.notEqual(sameUrl(a), sameUrl(b), `${a} ${b}`);
});
