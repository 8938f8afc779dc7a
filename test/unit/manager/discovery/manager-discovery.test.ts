import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EndpointsMessage } from '../../../../src/api/index.js';
import type { ManagerRecord } from '../../../../src/manager/manager.js';
import { MemoryStore } from '../../../../src/store/index.js';
import { beat, registration, settle, startManager, urlOf, W1, W2, type Harness } from '../manager-harness.js';

// Discovery with the real manager, scheduler and memory store, the real Worker over the fake
// driver, and the fake clock: VIPs as records keep them, and the drain before a replica stops.

const spec = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'web',
  replicas: 2,
  task: { image: 'poseidon/busybox:latest', command: ['sleep', '600'] },
  ...extra,
});

async function cluster(t: Parameters<typeof startManager>[0], opts: Parameters<typeof startManager>[1] = {}) {
  const h = await startManager(t, opts);
  for (const n of [W1, W2]) await h.manager.register(registration(n));
  return h;
}

/** Advances the fake clock in small steps, both nodes beating (so neither goes Down), letting the manager act. */
async function advance(h: Harness, ms: number, stepMs = 250): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    h.clock.advance(stepMs);
    for (const n of [W1, W2]) await h.manager.heartbeat(n.id, beat(n, h.workers.at(urlOf(n)).activeReports()));
    await settle(h.manager);
  }
}

/** The slot-2 replica, scaled away with a live watcher: its stop is held until the drain ends. */
async function drainingSlot2(h: Harness): Promise<{ taskId: string; messages: EndpointsMessage[] }> {
  const { discovery } = h.manager;
  const messages: EndpointsMessage[] = [];
  discovery.book.subscribe((m) => messages.push(m));
  discovery.consumers.open(W1.id);
  await h.manager.services.create(spec({ drainTimeout: '30s' }));
  await settle(h.manager);
  const slot2 = h.manager.services.tasks('web').find((x) => x.slot === 2);
  assert.ok(slot2 !== undefined && slot2.state === 'Running');
  await h.manager.services.scale('web', 1);
  await settle(h.manager);
  return { taskId: slot2.id, messages };
}

test('each service gets a VIP at create; it survives scale, update and a restart, and is freed on rm', async (t) => {
  const store = new MemoryStore<ManagerRecord>();
  const h = await cluster(t, { store, vipRange: '10.9.0.0/29' });
  await h.manager.services.create(spec());
  await h.manager.services.create(spec({ name: 'api' }));
  await settle(h.manager);
  const vip = h.manager.discovery.endpoints('web').vip;
  assert.equal(vip, '10.9.0.1');
  assert.equal(h.manager.discovery.endpoints('api').vip, '10.9.0.2');
  await h.manager.services.scale('web', 3);
  await h.manager.services.update('web', spec({ replicas: 3, task: { image: 'poseidon/busybox:2' } }));
  await settle(h.manager);
  assert.equal(h.manager.discovery.endpoints('web').vip, vip);
  await h.manager.stop();
  const again = await startManager(t, { store, clock: h.clock, vipRange: '10.9.0.0/29' });
  assert.equal(again.manager.discovery.endpoints('web').vip, vip, 'kept in the service record');
  await again.manager.services.remove('api');
  // /29: six addresses to give; web holds one, api's is free again
  const names = ['a', 'b', 'c', 'd', 'e'];
  for (const name of names) await again.manager.services.create(spec({ name, replicas: 0 }));
  const vips = new Set(['web', ...names].map((n) => again.manager.discovery.endpoints(n).vip));
  assert.equal(vips.size, 6, 'six services, six VIPs');
  await assert.rejects(again.manager.services.create(spec({ name: 'f', replicas: 0 })), { code: 'vip_range_full' });
  assert.throws(() => again.manager.discovery.endpoints('api'), { code: 'service_not_found' });
  assert.equal(again.manager.services.get('web').spec.drainTimeout, 5_000, 'the spec shows the default');
});

test('a replica scaled down drains: its stop waits for the watcher to apply the change and close its connections', async (t) => {
  const h = await cluster(t);
  const { taskId, messages } = await drainingSlot2(h);
  const draining = messages.find(
    (m) => m.type === 'service' && m.service.endpoints.some((e) => e.taskId === taskId && e.state === 'draining'),
  );
  assert.ok(draining !== undefined, 'the draining endpoint was published');
  assert.equal(h.workers.totalStops(), 0, 'no stop yet: a live watcher has not applied it');
  const { discovery } = h.manager;
  discovery.applied(W1.id, { epoch: discovery.book.epoch, revision: draining.revision, draining: { [taskId]: 1 } });
  await advance(h, 10_000);
  assert.equal(h.workers.totalStops(), 0, 'applied, but a connection is still open');
  assert.equal(h.manager.getTask(taskId).state, 'Running');
  discovery.applied(W1.id, { epoch: discovery.book.epoch, revision: draining.revision, draining: {} });
  await settle(h.manager);
  assert.equal(h.workers.totalStops(), 1);
  assert.equal(h.manager.getTask(taskId).state, 'Completed');
  assert.equal(discovery.endpoints('web').endpoints.length, 1, 'the stopped replica left the table');
});

test('the drain timeout stops a replica whose connections never close, without holding up anything else', async (t) => {
  const h = await cluster(t);
  const { taskId } = await drainingSlot2(h);
  const { discovery } = h.manager;
  discovery.applied(W1.id, {
    epoch: discovery.book.epoch,
    revision: discovery.book.revision,
    draining: { [taskId]: 3 },
  });
  await h.manager.services.scale('web', 3); // other work goes on meanwhile
  await settle(h.manager);
  assert.equal(h.manager.services.tasks('web').filter((x) => x.desiredState === 'running').length, 3);
  await advance(h, 29_000);
  assert.equal(h.manager.getTask(taskId).state, 'Running', 'within its drain timeout');
  await advance(h, 1_000);
  assert.equal(h.manager.getTask(taskId).state, 'Completed');
});

test('a manager restarted in the middle of a drain stops the replica', async (t) => {
  const store = new MemoryStore<ManagerRecord>();
  const h = await cluster(t, { store });
  const { taskId } = await drainingSlot2(h);
  assert.equal(h.manager.getTask(taskId).desiredState, 'stopped');
  assert.equal(h.manager.getTask(taskId).state, 'Running');
  await h.manager.stop();
  const again = await startManager(t, { store, clock: h.clock });
  again.workers.reportTo(again.manager);
  for (const n of [W1, W2]) await again.manager.register(registration(n, h.workers.at(urlOf(n)).activeReports()));
  await settle(again.manager);
  // the new run has no watcher yet: the drain was published before the restart, the stop goes
  assert.ok(again.workers.totalStops() >= 1);
  assert.equal(again.manager.getTask(taskId).state, 'Completed');
});

test('a service stored before discovery (no VIP) gets one when the manager starts, durably', async (t) => {
  const store = new MemoryStore<ManagerRecord>();
  const h = await cluster(t, { store });
  await h.manager.services.create(spec({ replicas: 0 }));
  await h.manager.stop();
  const stored = (await store.get('service/web')) as Extract<ManagerRecord, { kind: 'service' }>;
  const { vip: _v, ...older } = stored.service;
  const { drainTimeout: _d, ...olderServiceSpec } = older.spec;
  await store.put('service/web', { kind: 'service', service: { ...older, spec: olderServiceSpec } });
  const again = await startManager(t, { store, clock: h.clock });
  await settle(again.manager);
  const vip = again.manager.discovery.endpoints('web').vip;
  assert.match(vip, /^10\.213\.(1[2-9][0-9]|2[0-5][0-9])\.\d+$/);
  assert.equal(again.manager.services.get('web').vip, vip);
  assert.equal(again.manager.services.get('web').spec.drainTimeout, 5_000, 'the view fills in the default');
  const written = (await store.get('service/web')) as Extract<ManagerRecord, { kind: 'service' }>;
  assert.equal(written.service.vip, vip, 'written to the store');
});

test('a removed service stays in the table while its replicas drain, then is removed', async (t) => {
  const h = await cluster(t);
  const { discovery } = h.manager;
  const messages: EndpointsMessage[] = [];
  discovery.book.subscribe((m) => messages.push(m));
  discovery.consumers.open(W1.id);
  await h.manager.services.create(spec({ drainTimeout: '30s' }));
  await settle(h.manager);
  await h.manager.services.remove('web');
  await settle(h.manager); // the pass the removal kicks takes its replicas' stops (to the drain gate)
  const last = messages.at(-1);
  assert.ok(last?.type === 'service' && last.service.endpoints.every((e) => e.state === 'draining'));
  assert.equal(last.service.endpoints.length, 2);
  assert.equal(h.workers.totalStops(), 0, 'held by the drain, as a scale down is');
  discovery.applied(W1.id, { epoch: discovery.book.epoch, revision: last.revision });
  await settle(h.manager);
  assert.equal(h.workers.totalStops(), 2);
  assert.deepEqual(
    messages.slice(-1).map((m) => m.type),
    ['removed'],
  );
});

test("a service created again under a removed one's name publishes none of the removed one's replicas", async (t) => {
  const h = await cluster(t);
  const { discovery } = h.manager;
  const messages: EndpointsMessage[] = [];
  discovery.book.subscribe((m) => messages.push(m));
  discovery.consumers.open(W1.id);
  await h.manager.services.create(spec({ drainTimeout: '30s' }));
  await settle(h.manager);
  const old = new Set(h.manager.services.tasks('web').map((x) => x.id));
  const oldVip = discovery.endpoints('web').vip;
  await h.manager.services.remove('web');
  await settle(h.manager);
  assert.equal(h.workers.totalStops(), 0, 'the old replicas drain, held by the watcher');
  const created = messages.length;
  await h.manager.services.create(spec());
  await settle(h.manager);
  const fresh = h.manager.services.tasks('web').map((x) => x.id);
  assert.equal(fresh.length, 2);
  const view = discovery.endpoints('web');
  assert.notEqual(view.vip, oldVip);
  assert.deepEqual(
    view.endpoints.map((e) => e.taskId).sort(),
    [...fresh].sort(),
    "GET /services/web/endpoints lists the new service's replicas, not the old ones still draining",
  );
  const published = messages.slice(created);
  assert.ok(published.length > 0);
  for (const m of published)
    if (m.type === 'service')
      assert.deepEqual(
        m.service.endpoints.filter((e) => old.has(e.taskId)),
        [],
        `revision ${m.revision} gives the hosts none of the old replicas as endpoints of the new web`,
      );
  // the hosts know the old replicas no more: once they applied that, the old replicas' stops go
  discovery.applied(W1.id, { epoch: discovery.book.epoch, revision: discovery.book.revision });
  await settle(h.manager);
  assert.equal(h.workers.totalStops(), 2, "the old replicas' stops went");
  assert.equal(
    messages.slice(created).filter((m) => m.type === 'removed').length,
    0,
    'the end of the old replicas removes nothing of the new web',
  );
  assert.deepEqual(
    discovery
      .endpoints('web')
      .endpoints.map((e) => e.taskId)
      .sort(),
    [...fresh].sort(),
  );
});
