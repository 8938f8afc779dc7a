import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidField } from '../../../src/errors/index.js';
import { globalSlots, type GlobalNode } from '../../../src/manager/services/global-slots.js';
import { withLegacyPin } from '../../../src/manager/services/legacy-pin.js';
import type { ManagerRecord } from '../../../src/manager/manager.js';
import { parseServiceSpec } from '../../../src/service/index.js';
import { MemoryStore } from '../../../src/store/index.js';
import type { ConstraintRule } from '../../../src/task/index.js';
import { taskRequest } from '../../helpers/task-request.js';
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
  await h.manager.services.create(spec({ constraints: ['node.labels.gpu != no'] }));
  await settle(h.manager);
  await runFor(h, 3 * GRACE_MS, [W1]);
  assert.deepEqual(live(h), [
    [1, 1, 'Running', 'w1'],
    [2, 1, 'Pending', null],
  ]);
  // said as what it is: the pin is the manager's, never a rule shown beside the user's own
  const waiting = h.manager.listTasks({ service: 'agent' }).find((x) => x.slot === 2 && x.desiredState === 'running');
  assert.equal(waiting?.reason, 'waiting for node w2 (down)');
  assert.deepEqual(h.manager.inspectTask(waiting?.id ?? '').spec?.constraints, ['node.labels.gpu != no']);
  assert.equal(h.manager.services.get('agent').replicas, 2);
  await h.manager.register(registration(W2));
  await runFor(h, 2 * GRACE_MS, [W1, W2]);
  assert.deepEqual(live(h), [
    [1, 1, 'Running', 'w1'],
    [2, 1, 'Running', 'w2'],
  ]);
});

test("a replica stored with its pin as a node.id rule (an older manager's) is read with the pin apart", async (t) => {
  const store = new MemoryStore<ManagerRecord>();
  const h = await startManager(t, { store });
  for (const n of [W1, W2]) await h.manager.register(registration(n));
  await h.manager.services.create(spec({ constraints: ['node.labels.gpu != no'] }));
  await settle(h.manager);
  await h.manager.stop();
  // as an older manager wrote them: the pin as the last rule, after the service's own
  for (const [key, rec] of await store.list('task/')) {
    if (rec.kind !== 'task') continue;
    const { pinnedNodeId, ...request } = rec.task.request;
    assert.ok(pinnedNodeId !== undefined, 'a replica of a global service is pinned');
    const pin = { attribute: 'id' as const, key: '', op: '==' as const, value: pinnedNodeId };
    await store.put(key, {
      kind: 'task',
      task: { ...rec.task, request: { ...request, constraints: [...(request.constraints ?? []), pin] } },
    });
  }
  const again = await startManager(t, { store, clock: h.clock });
  await again.manager.register(registration(W1, h.workers.at(urlOf(W1)).activeReports()));
  await runFor(again, 3 * GRACE_MS, [W1]);
  const waiting = again.manager
    .listTasks({ service: 'agent' })
    .find((x) => x.slot === 2 && x.desiredState === 'running');
  assert.equal(waiting?.reason, 'waiting for node w2 (down)');
  assert.deepEqual(again.manager.inspectTask(waiting?.id ?? '').spec?.constraints, ['node.labels.gpu != no']);
});

test('withLegacyPin moves only the rule a global replica was pinned by, never a rule someone wrote', () => {
  const parsed = parseServiceSpec(spec({ constraints: ['node.id == n1'] }));
  const rec = {
    name: 'agent',
    version: 1,
    spec: parsed,
    previous: null,
    lastVersion: 1,
    update: null,
    createdAt: '',
    updatedAt: '',
  };
  const rule = (value: string): ConstraintRule => ({ attribute: 'id', key: '', op: '==', value });
  const ref = { service: 'agent', slot: 1, version: 1 };
  const stored = taskRequest('t1', { constraints: [rule('n1'), rule('n1')] });
  const read = withLegacyPin(stored, ref, rec);
  assert.deepEqual([read.constraints, read.pinnedNodeId], [[rule('n1')], 'n1'], 'the typed node.id rule stays');
  const typedOnly = taskRequest('t2', { constraints: [rule('n1')], pinnedNodeId: 'n1' });
  assert.equal(withLegacyPin(typedOnly, ref, rec), typedOnly, 'a request with its pin apart is read as it is');
  const replicated = {
    ...rec,
    spec: parseServiceSpec({ ...spec(), mode: 'replicated', constraints: ['node.id == n1'] }),
  };
  const one = taskRequest('t3', { constraints: [rule('n1')] });
  assert.equal(withLegacyPin(one, ref, replicated), one, "a replicated service's rule is its user's");
  assert.equal(withLegacyPin(stored, { ...ref, version: 7 }, rec), stored, 'a version it does not know: as stored');
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
