import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALL_READ, unreadSpecFields } from '../../../src/manager/spec-fields.js';
import { specFieldsFilter, type NodeView } from '../../../src/scheduler/index.js';
import { parseSpec, SPEC_FIELDS } from '../../../src/task/index.js';

function node(extra: Partial<NodeView> = {}): NodeView {
  const resources = { cpuCores: 4, memoryBytes: 1 << 30, diskBytes: 1 << 30 };
  return {
    id: 'n1',
    name: 'n1',
    up: true,
    capacity: resources,
    allocated: { cpuCores: 0, memoryBytes: 0, diskBytes: 0 },
    taskCount: 0,
    usedPorts: new Set(),
    ...extra,
  };
}

test('the spec fields a worker does not read: none when it sent no list, or reads them all; kept per list', () => {
  assert.equal(unreadSpecFields(undefined), ALL_READ, 'a worker older than the list: nothing held back');
  assert.equal(unreadSpecFields([...SPEC_FIELDS]), ALL_READ);
  const older = SPEC_FIELDS.filter((f) => f !== 'capAdd' && f !== 'pull');
  assert.deepEqual(unreadSpecFields(older), ['pull', 'capAdd'], "in the manager's order");
  assert.equal(unreadSpecFields(older), unreadSpecFields(older), 'the same array for the same list');
  assert.deepEqual(unreadSpecFields([...SPEC_FIELDS, 'fromTheFuture']), [], 'fields only a newer worker knows');
});

test('a task that sets a field the node does not read goes elsewhere, naming the field and the version', () => {
  const capped = parseSpec({ name: 'capped', image: 'busybox', capAdd: ['NET_RAW'] });
  const plain = parseSpec({ name: 'plain', image: 'busybox' });
  const older = node({ version: '0.0.9', specFieldsUnread: ['hostname', 'capAdd'] });
  assert.equal(
    specFieldsFilter.reject(capped, older),
    'node runs poseidon 0.0.9, whose worker does not read field capAdd (upgrade it)',
  );
  assert.equal(specFieldsFilter.reject(plain, older), null, 'a task that sets none of them goes there');
  assert.equal(
    specFieldsFilter.reject(capped, node({ specFieldsUnread: ['capAdd'] })),
    'node runs an older poseidon, whose worker does not read field capAdd (upgrade it)',
  );
  assert.equal(specFieldsFilter.reject(capped, node()), null, 'a node that reads every field');
});

test("a port's host address is a field of its own: a worker older than it does not get a task that sets one", () => {
  const older = node({
    version: '0.0.9',
    specFieldsUnread: unreadSpecFields(SPEC_FIELDS.filter((f) => f !== 'portsHostIp')),
  });
  const onLoopback = parseSpec({
    name: 'db',
    image: 'busybox',
    ports: [{ container: 5432, host: 5432, hostIp: '127.0.0.1' }],
  });
  const anywhere = parseSpec({ name: 'web', image: 'busybox', ports: [{ container: 80, host: 8080 }] });
  assert.equal(
    specFieldsFilter.reject(onLoopback, older),
    'node runs poseidon 0.0.9, whose worker does not read field ports[].hostIp (upgrade it)',
  );
  assert.equal(specFieldsFilter.reject(anywhere, older), null, 'ports without one go there');
  assert.equal(
    specFieldsFilter.reject(onLoopback, node({ specFieldsUnread: unreadSpecFields([...SPEC_FIELDS]) })),
    null,
  );
});
