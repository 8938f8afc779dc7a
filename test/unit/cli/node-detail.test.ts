import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findNode, nodeDetail, NoSuchNode } from '../../../src/cli/node-detail.js';
import { nodeStatusView as node } from '../../helpers/node-status-view.js';

const NOW = Date.parse('2026-12-04T12:00:00Z');

test('a node is found by name, by id, or by a prefix of its id that is one node alone', () => {
  const a = node();
  const b = node({ id: '7f3d0000-0000-4000-8000-000000000002', name: 'n2' });
  assert.equal(findNode([a, b], 'n2'), b);
  assert.equal(findNode([a, b], a.id), a);
  assert.equal(findNode([a, b], '7f3c'), a);
  assert.equal(findNode([a, b], '7f3'), undefined, 'two ids start so');
  assert.equal(findNode([a, b], 'n3'), undefined);
  assert.equal(new NoSuchNode('n3', [a, b]).message, 'no node n3 (the nodes: n1, n2)');
  assert.equal(new NoSuchNode('n\x1b[2J', []).message, 'no node n\\x1b[2J (the nodes: none has joined)');
});

test('the detail: state, engine, labels, each resource allocated of capacity, held ports, and the tasks there', () => {
  const out = nodeDetail(
    node(),
    [{ id: 'abcdef12-0000-4000-8000-000000000000', name: 'web', state: 'Running', cpu: 0.5, memory: 256 * 2 ** 20 }],
    NOW,
  );
  assert.deepEqual(out.split('\n'), [
    'Name:               n1',
    'ID:                 7f3c0000-0000-4000-8000-000000000001',
    'State:              Up',
    'Availability:       active',
    'Address:            https://10.0.0.1:5556',
    'Version:            0.1.0',
    'Host ID:            rack1-host3',
    'Heartbeat:          2s ago',
    'Engine:             available for 1h',
    'Conditions:         -',
    'Labels:             zone=a, disk=ssd',
    'CPU:                1.5 cores allocated of 4 cores, 2.5 cores free',
    'Memory:             2 GiB allocated of 8 GiB, 6 GiB free',
    'Disk:               0 B allocated of 100 GiB, 100 GiB free',
    'Host:               cpu 25% busy, load 0.50, 5 GiB memory available',
    'Host ports held:    22/tcp, 5555/tcp',
    'Host paths allowed: /srv',
    'Tasks:              2',
    '',
    'TASK      NAME  STATE    CPU  MEMORY',
    'abcdef12  web   Running  0.5  256 MiB',
  ]);
});

test("a worker that gives capabilities beyond Docker's default set (--allow-cap) says which", () => {
  const out = nodeDetail(node({ allowedCaps: ['NET_ADMIN', 'SYS_PTRACE'], taskCount: 0 }), [], NOW);
  assert.match(out, /^Host paths allowed: {3}\/srv\nCapabilities allowed: NET_ADMIN, SYS_PTRACE\nTasks: {16}0$/m);
});

test('a drained node whose engine is down says so, and one with no tasks prints no table', () => {
  const out = nodeDetail(
    node({
      availability: 'drain',
      engine: { available: false, since: '2026-12-04T11:59:30Z', reason: 'connect ENOENT /var/run/docker.sock' },
      conditions: ['engine unavailable'],
      labels: {},
      portsInUse: [],
      taskCount: 0,
    }),
    [],
    NOW,
  );
  assert.match(out, /^State:\s+Up, drained, engine unavailable 30s$/m);
  assert.match(out, /^Availability:\s+drain \(nothing new goes there; its tasks move\)$/m);
  assert.match(out, /^Engine:\s+unavailable for 30s: connect ENOENT \/var\/run\/docker\.sock$/m);
  assert.match(out, /^Conditions:\s+engine unavailable$/m);
  assert.match(out, /^Labels:\s+-$/m);
  assert.match(out, /^Host ports held:\s+-$/m);
  assert.equal(out.includes('TASK'), false);
});

test('a worker older than the manager: its version, and the spec fields it does not read; none known from older still', () => {
  const older = nodeDetail(node({ version: '0.0.9', specFieldsUnread: ['pull', 'capAdd'], taskCount: 0 }), [], NOW);
  assert.ok(older.includes('\nVersion:              0.0.9\n'), older);
  assert.ok(older.includes('\nSpec fields not read: pull, capAdd (upgrade its worker)\n'), older);
  const { version: _v, ...unversioned } = node({ taskCount: 0 });
  const unknown = nodeDetail(unversioned, [], NOW);
  assert.ok(unknown.includes('\nVersion:            not known (a worker older than versions)\n'), unknown);
  assert.ok(!unknown.includes('Spec fields not read'));
});

test('a node whose worker is restarting says so in its state, before a pause', () => {
  assert.match(nodeDetail(node({ restarting: true, taskCount: 0 }), [], NOW), /^State:\s+Up, restarting$/m);
  const paused = nodeDetail(node({ restarting: true, availability: 'pause', taskCount: 0 }), [], NOW);
  assert.match(paused, /^State:\s+Up, restarting, paused$/m);
});

test("a node's host id (its worker's --host-id, which the proxy mesh reads); none known from an older worker", () => {
  assert.match(nodeDetail(node({ taskCount: 0 }), [], NOW), /^Host ID:\s+rack1-host3$/m);
  const { hostId: _h, ...older } = node({ taskCount: 0 });
  assert.match(nodeDetail(older, [], NOW), /^Host ID:\s+not known \(a worker older than host ids\)$/m);
});
