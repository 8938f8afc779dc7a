import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ManagerRecord } from '../../../src/manager/manager.js';
import { recordProblem } from '../../../src/manager/record-checks.js';
import { MemoryStore } from '../../../src/store/index.js';
import { registration, settle, startManager, W1, W2, type NodeSpec } from './manager-harness.js';

// Every kind of record the manager writes is one it takes back at its next start. The check that
// sets aside a record it cannot use once asked every service for a replica count, which a global
// service never has: a manager restart lost every global service, and nothing had noticed.

const IMAGE = 'poseidon/busybox:latest';
const W3: NodeSpec = { id: '33333333-3333-4333-8333-333333333333', name: 'w3' };

test('what the manager writes, of every kind, passes its own load check and is there after a restart', async (t) => {
  const store = new MemoryStore<ManagerRecord>();
  const first = await startManager(t, { store });
  const m = first.manager;
  await m.register(registration(W1));
  await m.register({ ...registration(W2), labels: { zone: 'b' } });
  await m.updateNodeLabels('w1', { zone: 'a' }, []);
  await m.register(registration(W3));
  await m.removeNode('w3');
  await m.pauseNode('w2');
  await m.activateNode('w2');
  await m.files.create('secret', { name: 'db-password', data: Buffer.from('s3cret').toString('base64') });
  await m.files.create('config', { name: 'app-conf', data: Buffer.from('x=1').toString('base64') });
  await m.services.create({ name: 'web', replicas: 2, task: { image: IMAGE, command: ['sleep', '600'] } });
  await m.services.create({
    name: 'spread',
    replicas: 2,
    preferences: [{ spread: 'node.labels.zone' }],
    constraints: ['node.labels.zone != c'],
    task: {
      image: IMAGE,
      volumes: [{ name: 'data', path: '/data' }],
      secrets: [{ source: 'db-password' }],
      configs: [{ source: 'app-conf' }],
    },
  });
  await m.services.create({ name: 'agent', mode: 'global', task: { image: IMAGE } });
  await m.services.create({ name: 'inventory', mode: 'global-job', task: { image: IMAGE, command: ['true'] } });
  await m.services.create({
    name: 'migrate',
    mode: 'replicated-job',
    replicas: 2,
    maxConcurrent: 1,
    task: { image: IMAGE },
  });
  await m.services.update('web', { name: 'web', replicas: 2, task: { image: IMAGE, command: ['sleep', '601'] } });
  await settle(m);
  await m.drainNode('w2');
  await settle(m);

  const services = m.services.list().map((s) => [s.name, s.mode, s.version]);
  const nodes = m.listNodes().map((n) => [n.name, n.availability, n.labels]);
  const files = [...m.files.list('secret'), ...m.files.list('config')].map((f) => [f.kind, f.name]);
  const tasks = m.listTasks().length;
  await m.stop();

  const kinds = new Set<string>();
  for (const [key, rec] of await store.list('')) {
    kinds.add(rec.kind);
    assert.equal(recordProblem(rec), null, `${key} would be set aside at the next start`);
  }
  for (const kind of ['task', 'node', 'service', 'secret', 'config', 'revoked'])
    assert.ok(kinds.has(kind), `a ${kind} record`);

  const second = await startManager(t, { store, clock: first.clock });
  const again = second.manager;
  assert.deepEqual(
    again.services.list().map((s) => [s.name, s.mode, s.version]),
    services,
  );
  assert.deepEqual(
    again.listNodes().map((n) => [n.name, n.availability, n.labels]),
    nodes,
  );
  assert.deepEqual(
    [...again.files.list('secret'), ...again.files.list('config')].map((f) => [f.kind, f.name]),
    files,
  );
  assert.equal(again.listTasks().length, tasks);
});
