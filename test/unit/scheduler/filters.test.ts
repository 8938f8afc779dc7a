import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cpuFilter,
  diskFilter,
  hostPortKey,
  memoryFilter,
  nodeUpFilter,
  portsFilter,
  type Filter,
  type Resources,
} from '../../../src/scheduler/index.js';
import type { TaskRequest } from '../../../src/task/index.js';
import { GiB, node, port, task } from './fixtures.js';

test('node-up: an up node fits', () => {
  assert.equal(nodeUpFilter.reject(task(), node({ id: 'w1' })), null);
});

test('node-up: a down node is rejected as "node down"', () => {
  assert.equal(nodeUpFilter.reject(task(), node({ id: 'w1', up: false })), 'node down');
});

interface ResourceCase {
  filter: Filter;
  key: keyof Resources;
  reason: string;
  /** capacity, with half of it allocated */
  capacity: number;
}

const resources: ResourceCase[] = [
  { filter: cpuFilter, key: 'cpuCores', reason: 'not enough free cpu', capacity: 4 },
  { filter: memoryFilter, key: 'memoryBytes', reason: 'not enough free memory', capacity: 16 * GiB },
  { filter: diskFilter, key: 'diskBytes', reason: 'not enough free disk', capacity: 100 * GiB },
];

for (const r of resources) {
  const half = r.capacity / 2;
  const halfFull = node({ id: 'w1', capacity: { [r.key]: r.capacity }, allocated: { [r.key]: half } });
  const ask = (amount: number): TaskRequest => task({ [r.key]: amount });

  test(`${r.filter.name}: a request below what is free fits`, () => {
    assert.equal(r.filter.reject(ask(half / 2), halfFull), null);
  });
  test(`${r.filter.name}: a request equal to what is free fits (exact fit)`, () => {
    assert.equal(r.filter.reject(ask(half), halfFull), null);
  });
  test(`${r.filter.name}: a request above what is free is rejected as "${r.reason}"`, () => {
    assert.equal(r.filter.reject(ask(half + 1), halfFull), r.reason);
  });
  test(`${r.filter.name}: free is capacity minus allocated, not capacity`, () => {
    assert.equal(r.filter.reject(ask(r.capacity), halfFull), r.reason);
  });
  test(`${r.filter.name}: a request of 0 fits even an over-allocated node`, () => {
    const over = node({ id: 'w1', capacity: { [r.key]: r.capacity }, allocated: { [r.key]: r.capacity * 2 } });
    assert.equal(r.filter.reject(ask(0), over), null);
  });
  test(`${r.filter.name}: measure reports the request and the free amount`, () => {
    assert.equal(r.filter.measure?.needed(ask(7)), 7);
    assert.equal(r.filter.measure?.free(halfFull), half);
  });
}

test('cpu: fractional cores that add up to exactly the capacity still fit', () => {
  const n = node({ id: 'w1', capacity: { cpuCores: 1 }, allocated: { cpuCores: 0.1 + 0.2 } }); // 0.30000000000000004
  assert.equal(cpuFilter.reject(task({ cpuCores: 0.7 }), n), null);
  assert.equal(cpuFilter.reject(task({ cpuCores: 0.71 }), n), 'not enough free cpu');
});

test('ports: a task without ports fits any node', () => {
  assert.equal(portsFilter.reject(task(), node({ id: 'w1', usedPorts: ['80/tcp', '8080/tcp'] })), null);
});

test('ports: a free host port fits', () => {
  assert.equal(portsFilter.reject(task({ ports: [port(8080)] }), node({ id: 'w1', usedPorts: ['80/tcp'] })), null);
});

test('ports: a host port in use is rejected and named', () => {
  const t = task({ ports: [port(9000), port(8080)] });
  assert.equal(portsFilter.reject(t, node({ id: 'w1', usedPorts: ['8080/tcp'] })), 'host port 8080/tcp in use');
});

test('ports: the same number on the other protocol does not conflict', () => {
  const n = node({ id: 'w1', usedPorts: ['8080/udp'] });
  assert.equal(portsFilter.reject(task({ ports: [port(8080, 'tcp')] }), n), null);
  assert.equal(portsFilter.reject(task({ ports: [port(8080, 'udp')] }), n), 'host port 8080/udp in use');
});

test('ports: hostPort 0 never conflicts, however many ports the node uses', () => {
  const n = node({ id: 'w1', usedPorts: ['0/tcp', '0/udp', '80/tcp', '8080/tcp'] });
  assert.equal(portsFilter.reject(task({ ports: [port(0, 'tcp'), port(0, 'udp'), port(0)] }), n), null);
});

test('hostPortKey is the key format of NodeView.usedPorts', () => {
  assert.equal(hostPortKey(8080, 'tcp'), '8080/tcp');
  assert.equal(hostPortKey(53, 'udp'), '53/udp');
});

test('hostPortKey names the address of a port on one address, and none for every address', () => {
  assert.equal(hostPortKey(8080, 'tcp', '127.0.0.1'), '127.0.0.1:8080/tcp');
  assert.equal(hostPortKey(8080, 'tcp', '0:0:0:0:0:0:0:1'), '[::1]:8080/tcp', 'IPv6 in its short form, bracketed');
  assert.equal(hostPortKey(8080, 'tcp', '0.0.0.0'), '8080/tcp');
  assert.equal(hostPortKey(8080, 'tcp', '::'), '8080/tcp');
  assert.equal(hostPortKey(8080, 'tcp', ''), '8080/tcp', "Docker's HostIp of a port on every address");
});

/** A task asking for host port 8080/tcp on `hostIp` (none: every address). */
function at(hostIp?: string): TaskRequest {
  return task({ ports: [{ ...port(8080), ...(hostIp === undefined ? {} : { hostIp }) }] });
}

test('ports: one host port on two addresses of a node are two ports, as Docker binds them', () => {
  const n = node({ id: 'w1', usedPorts: ['127.0.0.1:8080/tcp'] });
  assert.equal(portsFilter.reject(at('127.0.0.2'), n), null);
  assert.equal(portsFilter.reject(at('::1'), n), null, 'nor does IPv6 loopback conflict with IPv4');
  assert.equal(portsFilter.reject(at('127.0.0.1'), n), 'host port 127.0.0.1:8080/tcp in use');
  const v6 = node({ id: 'w1', usedPorts: ['[::1]:8080/tcp'] });
  assert.equal(portsFilter.reject(at('::1'), v6), 'host port [::1]:8080/tcp in use');
  assert.equal(portsFilter.reject(at('127.0.0.1'), v6), null);
});

test('ports: a port on every address conflicts with the port on any address, and one on one address with it', () => {
  const onOne = node({ id: 'w1', usedPorts: ['80/tcp', '127.0.0.2:8080/tcp'] });
  assert.equal(portsFilter.reject(at(), onOne), 'host port 127.0.0.2:8080/tcp in use');
  assert.equal(portsFilter.reject(at('0.0.0.0'), onOne), 'host port 127.0.0.2:8080/tcp in use', '0.0.0.0 is as none');
  assert.equal(portsFilter.reject(at(), node({ id: 'w1', usedPorts: ['127.0.0.2:8080/udp'] })), null);
  assert.equal(portsFilter.reject(at(), node({ id: 'w1', usedPorts: ['127.0.0.2:18080/tcp'] })), null);
  const everywhere = node({ id: 'w1', usedPorts: ['8080/tcp'] });
  assert.equal(portsFilter.reject(at('127.0.0.1'), everywhere), 'host port 8080/tcp in use');
  assert.equal(portsFilter.reject(at('::1'), everywhere), 'host port 8080/tcp in use');
});

test('ports: a port held outside Poseidon on one address is named so', () => {
  const n = {
    ...node({ id: 'w1', usedPorts: ['127.0.0.53:53/udp'] }),
    portsHeldOutside: new Set(['127.0.0.53:53/udp']),
  };
  const dns = (hostIp?: string): TaskRequest =>
    task({ ports: [{ ...port(53, 'udp'), ...(hostIp === undefined ? {} : { hostIp }) }] });
  assert.equal(portsFilter.reject(dns('127.0.0.1'), n), null);
  assert.equal(portsFilter.reject(dns(), n), 'host port 127.0.0.53:53/udp held outside Poseidon');
});
