import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpreadCounts } from '../../../src/manager/spread-counts.js';
import { parseServiceSpec } from '../../../src/service/index.js';
import { registration, settle, startManager, type NodeSpec } from './manager-harness.js';

// Placement preferences (spread over a node label) with the real manager, scheduler and memory
// store; the workers are the real Worker over the fake driver.

const node = (n: number): NodeSpec => ({
  id: `${n}${n}${n}${n}${n}${n}${n}${n}-${n}${n}${n}${n}-4${n}${n}${n}-8${n}${n}${n}-${String(n).repeat(12)}`,
  name: `w${n}`,
});
const W = [1, 2, 3, 4].map(node);

async function cluster(t: Parameters<typeof startManager>[0], zones: Array<string | null>) {
  const h = await startManager(t);
  for (const [i, n] of W.entries()) {
    await h.manager.register(registration(n));
    const zone = zones[i];
    if (zone !== null && zone !== undefined) await h.manager.updateNodeLabels(n.name, { zone }, []);
  }
  return h;
}

/** How many live replicas of `web` each node holds, by node name. */
function perNode(h: Awaited<ReturnType<typeof cluster>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of h.manager.services.tasks('web'))
    if (t.desiredState === 'running' && t.node !== null) out[t.node] = (out[t.node] ?? 0) + 1;
  return out;
}

const spec = (extra: Record<string, unknown> = {}) => ({
  name: 'web',
  replicas: 4,
  task: { image: 'poseidon/busybox:latest', command: ['sleep', '600'] },
  ...extra,
});

test('replicas spread over the zones first, then over the nodes of each zone', async (t) => {
  const h = await cluster(t, ['a', 'a', 'a', 'b']);
  await h.manager.services.create(spec({ preferences: [{ spread: 'node.labels.zone' }] }));
  await settle(h.manager);
  const counts = perNode(h);
  assert.equal(counts['w4'], 2, 'zone b, one node, holds half');
  assert.equal((counts['w1'] ?? 0) + (counts['w2'] ?? 0) + (counts['w3'] ?? 0), 2);
  assert.ok(Object.values(counts).every((c) => c <= 2));
});

test('without preferences the same replicas go one on each node', async (t) => {
  const h = await cluster(t, ['a', 'a', 'a', 'b']);
  await h.manager.services.create(spec());
  await settle(h.manager);
  assert.deepEqual(perNode(h), { w1: 1, w2: 1, w3: 1, w4: 1 });
});

test('nodes without the label are one group of their own', async (t) => {
  const h = await cluster(t, ['a', 'a', null, null]);
  await h.manager.services.create(spec({ preferences: [{ spread: 'node.labels.zone' }] }));
  await settle(h.manager);
  const counts = perNode(h);
  assert.equal((counts['w1'] ?? 0) + (counts['w2'] ?? 0), 2);
  assert.equal((counts['w3'] ?? 0) + (counts['w4'] ?? 0), 2);
});

test('a change of preferences is a new version; a global service takes none; a bad one names the field', async (t) => {
  const h = await cluster(t, ['a', 'a', 'a', 'b']);
  await h.manager.services.create(spec());
  await settle(h.manager);
  const view = await h.manager.services.update('web', spec({ preferences: [{ spread: 'node.labels.zone' }] }));
  assert.equal(view.version, 2);
  assert.throws(
    () =>
      parseServiceSpec({
        ...spec(),
        replicas: undefined,
        mode: 'global',
        preferences: [{ spread: 'node.labels.zone' }],
      }),
    /preferences/,
  );
  assert.throws(() => parseServiceSpec(spec({ preferences: [{ spread: 'zone' }] })), /preferences\[0\]\.spread/);
  assert.throws(
    () => parseServiceSpec(spec({ preferences: ['a', 'b', 'c'].map((k) => ({ spread: `node.labels.${k}` })) })),
    /preferences/,
  );
});

/** Zones a (w1) and b (w2); w3 and w4 drained for good, w1 drained until the test lets it go. */
async function twoZonesW1Drained(t: Parameters<typeof startManager>[0]) {
  const h = await cluster(t, ['a', 'b', null, null]);
  for (const n of W.slice(2)) await h.manager.drainNode(n.name);
  await h.manager.drainNode('w1');
  return h;
}

/** Runs passes until a rollout is through; the versions of the replicas wanted running, in slot order. */
async function rolledOut(h: Awaited<ReturnType<typeof cluster>>): Promise<number[]> {
  for (let i = 0; i < 8; i++) await settle(h.manager);
  return h.manager.services
    .tasks('web')
    .filter((x) => x.desiredState === 'running')
    .map((x) => x.version);
}

for (const order of ['start-first', 'stop-first'] as const) {
  test(`an update (${order}) spreads the new replicas: one leaving its node does not count there`, async (t) => {
    const h = await twoZonesW1Drained(t);
    const prefs = { preferences: [{ spread: 'node.labels.zone' }], update: { order } };
    await h.manager.services.create(spec(prefs));
    await settle(h.manager);
    assert.deepEqual(perNode(h), { w2: 4 }, 'every replica on w2 while w1 is drained');
    await h.manager.activateNode(W[0]?.id ?? '');
    await h.manager.services.update('web', spec({ ...prefs, forceUpdate: 1 }));
    assert.deepEqual(await rolledOut(h), [2, 2, 2, 2]);
    assert.deepEqual(perNode(h), { w1: 2, w2: 2 }, 'half in each zone, as the preference asks');
  });
}

test('a rollback spreads its replicas too: the newer version it replaces is leaving', async (t) => {
  const h = await twoZonesW1Drained(t);
  const prefs = { preferences: [{ spread: 'node.labels.zone' }] };
  await h.manager.services.create(spec(prefs));
  await settle(h.manager);
  await h.manager.services.update('web', spec({ ...prefs, forceUpdate: 1 }));
  assert.deepEqual(await rolledOut(h), [2, 2, 2, 2]);
  assert.deepEqual(perNode(h), { w2: 4 }, 'version 2, all on w2 while w1 was drained');
  await h.manager.activateNode(W[0]?.id ?? '');
  await h.manager.services.rollback('web');
  assert.deepEqual(await rolledOut(h), [1, 1, 1, 1]);
  assert.deepEqual(perNode(h), { w1: 2, w2: 2 });
});

test('SpreadCounts: the first label weighs most, then the next, then the node', () => {
  const labels: Record<string, Record<string, string>> = {
    n1: { zone: 'a', rack: 'r1' },
    n2: { zone: 'a', rack: 'r2' },
    n3: { zone: 'b', rack: 'r1' },
  };
  const c = new SpreadCounts(['zone', 'rack'], (id) => labels[id]);
  c.add('n1');
  assert.ok(c.weight('n3') < c.weight('n2'), 'zone b before the other rack of zone a');
  assert.ok(c.weight('n2') < c.weight('n1'), 'within zone a, the rack without one first');
  c.add('n3');
  assert.ok(c.weight('n2') < c.weight('n1'));
  assert.equal(new SpreadCounts([], () => undefined).weight('n1'), 0);
});
