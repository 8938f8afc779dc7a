import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VolumeInUse, VolumeNotFound } from '../../../src/manager/errors.js';
import { parseConstraint, type TaskRequest } from '../../../src/task/index.js';
import { registration, request, settle, startManager, urlOf, uuid, W1, W2, type NodeSpec } from './manager-harness.js';
import { withVolumeService } from './manager-harness.js';

// The manager with the real scheduler: node labels and constraints, host paths, and named
// volumes that keep their tasks on the node that holds them.

const W3: NodeSpec = { id: '33333333-3333-4333-8333-333333333333', name: 'w3' };

function withRules(...rules: string[]): Partial<TaskRequest> {
  return { constraints: rules.map((r, i) => parseConstraint(`constraints.${i}`, r)) };
}

function mounting(volume: string): Partial<TaskRequest> {
  return { volumes: [{ kind: 'volume', name: volume, path: '/data', readOnly: false }] };
}

test('nodes register with labels, shown by listNodes; a constrained task goes only where they match', async (t) => {
  const h = await startManager(t);
  await h.manager.register({ ...registration(W1), labels: { zone: 'a' } });
  await h.manager.register({ ...registration(W2), labels: { zone: 'b' }, allowedHostPaths: ['/srv/poseidon'] });
  const nodes = h.manager.listNodes();
  assert.deepEqual(
    nodes.map((n) => [n.name, n.labels, n.allowedHostPaths]),
    [
      ['w1', { zone: 'a' }, []],
      ['w2', { zone: 'b' }, ['/srv/poseidon']],
    ],
  );
  const ids = [uuid('a1'), uuid('a2'), uuid('a3')];
  for (const id of ids) await h.manager.submit(request(id, withRules('node.labels.zone == b')));
  await settle(h.manager);
  for (const id of ids) assert.equal(h.manager.getTask(id).node, 'w2');
});

test('a task no node matches is accepted and stays Pending with the reason, then runs on a node that joins matching', async (t) => {
  const h = await startManager(t);
  await h.manager.register({ ...registration(W1), labels: { zone: 'a' } });
  await h.manager.register({ ...registration(W2), labels: { zone: 'a' } });
  const id = uuid('b1');
  await h.manager.submit(request(id, { name: 'web', ...withRules('node.labels.zone == c') }));
  await settle(h.manager);
  const waiting = h.manager.getTask(id);
  assert.equal(waiting.state, 'Pending');
  assert.equal(waiting.reason, '0/2 nodes can run web: 2 nodes do not match node.labels.zone == c');
  await h.manager.register({ ...registration(W3), labels: { zone: 'c' } });
  await settle(h.manager);
  assert.equal(h.manager.getTask(id).node, 'w3');
});

test('a host-path task goes only to a node that allows the directory', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  await h.manager.register({ ...registration(W2), allowedHostPaths: ['/srv/poseidon'] });
  const host = (hostPath: string, name = 'cfg'): Partial<TaskRequest> => ({
    name, // a task not ended holds its name
    volumes: [{ kind: 'host', hostPath, path: '/etc/app', readOnly: true }],
  });
  const ok = [uuid('c1'), uuid('c2')];
  for (const [i, id] of ok.entries()) await h.manager.submit(request(id, host('/srv/poseidon/cfg', `cfg-${i}`)));
  const escaping = uuid('c3');
  await h.manager.submit(request(escaping, host('/srv/poseidon/../etc')));
  await settle(h.manager);
  for (const id of ok) assert.equal(h.manager.getTask(id).node, 'w2');
  const refused = h.manager.getTask(escaping);
  assert.equal(refused.state, 'Pending');
  assert.equal(refused.reason, '0/2 nodes can run cfg: 2 nodes do not allow host path /srv/poseidon/../etc');
});

test('a named volume is recorded on the node where its task first ran, and later tasks that mount it go there', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  await h.manager.register(registration(W2));
  const first = uuid('d1');
  await h.manager.submit(request(first, { name: 'db', ...mounting('db-data-1') }));
  await settle(h.manager);
  const home = h.manager.getTask(first);
  assert.equal(home.state, 'Running');
  const [volume] = h.manager.volumes.list();
  assert.deepEqual(
    { name: volume?.name, node: volume?.node, inUseBy: volume?.inUseBy },
    { name: 'db-data-1', node: home.node, inUseBy: [first] },
  );
  // round-robin alone would take turns; the volume keeps every task that mounts it on its node
  const more = [uuid('d2'), uuid('d3'), uuid('d4')];
  for (const [i, id] of more.entries())
    await h.manager.submit(request(id, { name: `db-${i + 2}`, ...mounting('db-data-1') })); // names are held
  const plain = uuid('d5');
  await h.manager.submit(request(plain));
  await settle(h.manager);
  for (const id of more) assert.equal(h.manager.getTask(id).node, home.node);
  assert.notEqual(h.manager.getTask(plain).node, home.node);
  // the record is durable: a new manager over the same store knows where the volume is
  assert.deepEqual(await h.store.list('volume/'), [
    [
      'volume/db-data-1',
      { kind: 'volume', volume: { name: 'db-data-1', nodeId: home.nodeId, createdAt: volume?.createdAt } },
    ],
  ]);
});

test('when the node holding a volume is down, its task waits saying where the volume is', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  const first = uuid('e1');
  await h.manager.submit(request(first, { name: 'db', ...mounting('db-data-1') }));
  await settle(h.manager);
  await h.manager.register(registration(W2));
  h.clock.advance(10_000); // w1 misses its heartbeats; w2 registered just now... and beats below
  await h.manager.heartbeat(W2.id, { metrics: registration(W2).metrics, tasks: [] });
  await settle(h.manager);
  const second = uuid('e2');
  await h.manager.submit(request(second, { name: 'db2', ...mounting('db-data-1') }));
  await settle(h.manager);
  const waiting = h.manager.getTask(second);
  assert.equal(waiting.state, 'Pending');
  assert.equal(waiting.reason, '0/2 nodes can run db2: 1 node down, 1 volume db-data-1 is on node w1');
});

test('a volume cannot be removed while an unfinished task mounts it; then its node removes it', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  const id = uuid('f1');
  await h.manager.submit(request(id, { name: 'db', ...mounting('db-data-1') }));
  await settle(h.manager);
  const asked: string[] = [];
  const onNode = async (url: string): Promise<void> => {
    asked.push(url);
  };
  await assert.rejects(h.manager.volumes.remove('db-data-1', onNode), (err: unknown) => {
    assert.ok(err instanceof VolumeInUse);
    assert.equal(err.code, 'volume_in_use');
    assert.equal(err.message, `volume db-data-1 is in use by task ${id}; stop it first`);
    return true;
  });
  assert.deepEqual(asked, []);
  await h.manager.stopTask(id);
  await settle(h.manager);
  assert.deepEqual(await h.manager.volumes.remove('db-data-1', onNode), {
    name: 'db-data-1',
    node: 'w1',
    nodeId: W1.id,
  });
  assert.deepEqual(asked, [urlOf(W1)]);
  assert.deepEqual(h.manager.volumes.list(), []);
  await assert.rejects(h.manager.volumes.remove('db-data-1', onNode), VolumeNotFound);
});

test("a volume a service's replica mounts: volume rm says to remove or update the service, not to stop the replica", async (t) => {
  const h = await withVolumeService(t);
  const [replica] = h.manager.services.tasks('db');
  // volume inspect: each task that mounts it, with its service, slot and node
  assert.deepEqual(h.manager.volumes.get('data-1'), {
    name: 'data-1',
    node: 'w1',
    nodeId: W1.id,
    inUseBy: [replica?.id],
    createdAt: h.manager.volumes.list()[0]?.createdAt,
    users: [{ id: replica?.id, name: 'db-1', service: 'db', slot: 1, state: 'Running', node: 'w1' }],
  });
  assert.throws(() => h.manager.volumes.get('nope'), VolumeNotFound);
  await assert.rejects(
    h.manager.volumes.remove('data-1', async () => undefined),
    (err: unknown) => {
      assert.ok(err instanceof VolumeInUse);
      assert.equal(
        err.message,
        `volume data-1 is in use by a replica of service db (${replica?.id}); remove the service ` +
          '(poseidon service rm db) or update it to a spec without the volume (poseidon service update db -f FILE): ' +
          'stopping a replica only starts another',
      );
      return true;
    },
  );
});

test('volume in use: a plain task is stopped first; with a replica beside it, both are said', () => {
  assert.equal(
    new VolumeInUse('v', [{ taskId: 't1' }, { taskId: 't2' }]).message,
    'volume v is in use by tasks t1, t2; stop them first',
  );
  const mixed = new VolumeInUse('v', [
    { taskId: 't1' },
    { taskId: 'r1', service: 'web' },
    { taskId: 'r2', service: 'api' },
  ]);
  assert.equal(
    mixed.message,
    'volume v is in use by task t1 and replicas of services web, api (r1, r2); stop the task first, and remove ' +
      'the services (poseidon service rm web api) or update each to a spec without the volume ' +
      '(poseidon service update web -f FILE): stopping a replica only starts another',
  );
  assert.deepEqual(mixed.taskIds, ['t1', 'r1', 'r2']);
});

test('a node removed from the cluster takes its volumes with it: their tasks may go elsewhere', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  await h.manager.register(registration(W2));
  const first = uuid('71');
  await h.manager.submit(request(first, { name: 'db', ...mounting('db-data-1') }));
  await settle(h.manager);
  const home = h.manager.getTask(first);
  await h.manager.removeNode(home.nodeId ?? '');
  await settle(h.manager);
  const moved = h.manager.getTask(first);
  assert.equal(moved.state, 'Running', moved.reason);
  assert.notEqual(moved.nodeId, home.nodeId);
  assert.deepEqual(
    h.manager.volumes.list().map((v) => [v.name, v.nodeId]),
    [['db-data-1', moved.nodeId]],
  );
});
