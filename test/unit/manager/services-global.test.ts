import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidField } from '../../../src/errors/index.js';
import { globalSlots, type GlobalNode } from '../../../src/manager/services/global-slots.js';
import { parseServiceSpec } from '../../../src/service/index.js';
import {
  beat,
  GRACE_MS,
  registration,
  runFor,
  settle,
  startManager,
  urlOf,
  W1,
  W2,
  type Harness,
  type NodeSpec,
} from './manager-harness.js';

// Global services (one replica on each node that takes them) with the real manager, scheduler and
// memory store; the workers are the real Worker over the fake driver, and time is the fake clock.

const W3: NodeSpec = { id: '33333333-3333-4333-8333-333333333333', name: 'w3' };

const spec = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'agent',
  mode: 'global',
  task: { image: 'poseidon/busybox:latest', command: ['sleep', '600'] },
  update: { monitor: '1s' },
  ...extra,
});

async function cluster(t: Parameters<typeof startManager>[0], nodes: NodeSpec[] = [W1, W2]): Promise<Harness> {
  const h = await startManager(t);
  for (const n of nodes) await h.manager.register(registration(n));
  return h;
}

/** The service's live tasks as [slot, version, state, node], by slot. */
function live(h: Harness): Array<[number, number, string, string | null]> {
  return h.manager.services
    .tasks('agent')
    .filter((t) => t.desiredState === 'running')
    .map((t) => [t.slot, t.version, t.state, t.node]);
}

/** The service's tasks that ended, with their reasons. */
function ended(h: Harness): Array<{ slot: number | undefined; reason: string }> {
  return h.manager
    .listTasks({ service: 'agent' })
    .filter((t) => t.desiredState === 'stopped')
    .map((t) => ({ slot: t.slot, reason: t.reason }));
}

async function advance(h: Harness, ms: number, nodes: NodeSpec[], stepMs = 250): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    h.clock.advance(stepMs);
    for (const n of nodes) await h.manager.heartbeat(n.id, beat(n, h.workers.at(urlOf(n)).activeReports()));
    await settle(h.manager);
  }
}

test('a global service runs one replica on each node, pinned to it; a node that joins gets one', async (t) => {
  const h = await cluster(t);
  const created = await h.manager.services.create(spec());
  assert.equal(created.mode, 'global');
  assert.equal(created.spec.replicas, undefined);
  assert.equal(created.replicas, 2, 'the answer counts a replica for each node already');
  await settle(h.manager);
  assert.deepEqual(live(h), [
    [1, 1, 'Running', 'w1'],
    [2, 1, 'Running', 'w2'],
  ]);
  const view = h.manager.services.get('agent');
  assert.deepEqual([view.replicas, view.healthy], [2, 2]);

  await h.manager.register(registration(W3));
  await settle(h.manager);
  assert.deepEqual(live(h), [
    [1, 1, 'Running', 'w1'],
    [2, 1, 'Running', 'w2'],
    [3, 1, 'Running', 'w3'],
  ]);
  assert.equal(h.manager.services.get('agent').replicas, 3);
});

test("a drained node's replica stops and the node gets its slot back when activated; a paused one keeps its own", async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(spec());
  await settle(h.manager);
  await h.manager.drainNode('w2');
  await settle(h.manager);
  assert.deepEqual(live(h), [[1, 1, 'Running', 'w1']]);
  const stopped = ended(h).find((x) => x.slot === 2);
  assert.match(stopped?.reason ?? '', /node w2 drained/);
  assert.equal(h.manager.services.get('agent').replicas, 1);

  await h.manager.activateNode('w2');
  await settle(h.manager);
  assert.deepEqual(live(h), [
    [1, 1, 'Running', 'w1'],
    [2, 1, 'Running', 'w2'],
  ]);

  await h.manager.pauseNode('w1');
  await h.manager.register(registration(W3));
  await settle(h.manager);
  assert.deepEqual(live(h), [
    [1, 1, 'Running', 'w1'],
    [2, 1, 'Running', 'w2'],
    [3, 1, 'Running', 'w3'],
  ]);
});

test("a node label decides where a global service's constraint lets it run, as the label changes", async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(spec({ constraints: ['node.labels.edge == yes'] }));
  await settle(h.manager);
  assert.deepEqual(live(h), []);
  assert.equal(h.manager.services.get('agent').replicas, 0);

  await h.manager.updateNodeLabels('w2', { edge: 'yes' }, []);
  await settle(h.manager);
  assert.deepEqual(live(h), [[1, 1, 'Running', 'w2']]);

  await h.manager.updateNodeLabels('w2', {}, ['edge']);
  await settle(h.manager);
  assert.deepEqual(live(h), []);
  const stopped = ended(h)[0];
  assert.match(stopped?.reason ?? '', /node w2 does not meet the constraint "node\.labels\.edge == yes"/);
});

test('a node that goes down keeps its slot: its replica waits for it, pinned, and is not moved', async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(spec());
  await settle(h.manager);
  await runFor(h, 3 * GRACE_MS, [W1]);
  assert.deepEqual(live(h), [
    [1, 1, 'Running', 'w1'],
    [2, 1, 'Pending', null],
  ]);
  assert.equal(h.manager.services.get('agent').replicas, 2);
  await h.manager.register(registration(W2));
  await runFor(h, 2 * GRACE_MS, [W1, W2]);
  assert.deepEqual(live(h), [
    [1, 1, 'Running', 'w1'],
    [2, 1, 'Running', 'w2'],
  ]);
});

test('a removed node loses its replica', async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(spec());
  await settle(h.manager);
  await h.manager.removeNode('w2', true);
  await settle(h.manager);
  assert.deepEqual(live(h), [[1, 1, 'Running', 'w1']]);
  assert.equal(h.manager.services.get('agent').replicas, 1);
});

test('an update of a global service rolls out node by node and completes over every node', async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(spec());
  await settle(h.manager);
  const updated = await h.manager.services.update('agent', spec({ task: { image: 'poseidon/busybox:2' } }));
  assert.equal(updated.version, 2);
  assert.equal(updated.update?.total, 2);
  await advance(h, 5_000, [W1, W2]);
  assert.deepEqual(live(h), [
    [1, 2, 'Running', 'w1'],
    [2, 2, 'Running', 'w2'],
  ]);
  const done = h.manager.services.get('agent').update;
  assert.deepEqual([done?.state, done?.updated, done?.total], ['completed', 2, 2]);
});

test('a global service cannot be scaled, given replicas, or change its mode; nothing changes', async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(spec());
  await settle(h.manager);
  await assert.rejects(h.manager.services.scale('agent', 5), (err: unknown) => {
    assert.ok(err instanceof InvalidField);
    assert.equal(err.field, 'replicas');
    assert.match(err.message, /agent is global/);
    return true;
  });
  await assert.rejects(h.manager.services.update('agent', spec({ replicas: 2 })), /replicas/);
  await assert.rejects(h.manager.services.update('agent', spec({ mode: 'replicated' })), (err: unknown) => {
    assert.ok(err instanceof InvalidField);
    assert.equal(err.field, 'mode');
    assert.match(err.message, /mode cannot change/);
    return true;
  });
  await assert.rejects(h.manager.services.create({ ...spec({ name: 'web', replicas: 2 }) }), /leave it out/);
  const view = h.manager.services.get('agent');
  assert.deepEqual([view.version, view.replicas, view.mode], [1, 2, 'global']);
});

test('globalSlots: a node keeps its slot across leaving and coming back; new nodes get new slots, in id order', () => {
  const parsed = parseServiceSpec(spec());
  const node = (id: string, availability: GlobalNode['availability'] = 'active'): GlobalNode => ({
    id,
    name: `n-${id}`,
    availability,
  });
  const first = globalSlots({ spec: parsed }, [node('b'), node('a')]);
  assert.deepEqual(first.nodeSlots, { a: 1, b: 2 });
  assert.deepEqual(first.slots, [1, 2]);
  const drained = globalSlots({ spec: parsed, ...first }, [node('a', 'drain'), node('b'), node('c')]);
  assert.deepEqual(drained.slots, [2, 3]);
  assert.equal(drained.left.get(1), 'node n-a drained');
  const back = globalSlots({ spec: parsed, ...drained }, [node('a'), node('c')]);
  assert.deepEqual(back.slots, [1, 3], 'a is back in slot 1');
  assert.equal(back.left.get(2), 'its node left the cluster');
  assert.deepEqual(back.nodeSlots, { a: 1, c: 3 }, 'a removed node is forgotten');
  const joined = globalSlots({ spec: parsed, ...back }, [node('a'), node('c'), node('e')]);
  assert.equal(joined.nodeSlots['e'], 4, "a removed node's slot is never given again");
  const paused = globalSlots({ spec: parsed, ...back }, [node('a', 'pause'), node('c'), node('d', 'pause')]);
  assert.deepEqual(paused.slots, [1, 3], 'a paused node keeps its slot; a new paused one gets none');
});

test('parseServiceSpec: a global service has no replicas, and one constraint fewer (its pin)', () => {
  const parsed = parseServiceSpec(spec());
  assert.equal(parsed.mode, 'global');
  assert.equal('replicas' in parsed, false);
  const replicated = parseServiceSpec({ ...spec(), mode: 'replicated' });
  assert.equal(replicated.mode, undefined);
  assert.equal(replicated.replicas, 1);
  const many = Array.from({ length: 32 }, (_, i) => `node.labels.k${i} == v`);
  assert.throws(() => parseServiceSpec(spec({ constraints: many })), /at most 31/);
  assert.throws(() => parseServiceSpec(spec({ mode: 'sometimes' })), /mode/);
});
