import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOptions } from '../../../src/driver/docker/create-options.js';
import { networkInfo } from '../../../src/driver/index.js';
import { taskRequest } from '../../helpers/task-request.js';

// Where a task container goes: Docker's default bridge unless the worker says `poseidon`; the
// Poseidon network's gateway is its DNS server either way (discovery's names answer there).

const ctx = { workerName: 'w1', generation: 1, publishIp: '127.0.0.1' };
const task = taskRequest('0b5c8f1e-1111-4222-8333-944445555666');

test('by default a task container joins Docker default bridge, with the Poseidon gateway as its resolver', () => {
  const network = networkInfo({ name: 'poseidon0' }, '10.213.0.0/16');
  assert.equal(network.joins, 'bridge');
  const host = createOptions(task, { ...ctx, network }).HostConfig;
  assert.equal(host?.NetworkMode, 'bridge');
  assert.deepEqual(host?.Dns, ['10.213.0.1']);
  assert.deepEqual(host?.DnsSearch, ['svc.poseidon.cluster'], 'a service is found by its name alone');
  assert.deepEqual(host?.DnsOptions, ['ndots:2'], "tasks.web is searched for too, musl's resolver included");
});

test("a Compose stack's replica looks its stack's services up by their Compose names first", () => {
  const network = networkInfo({ name: 'poseidon0' }, '10.213.0.0/16');
  const replica = { ...task, labels: { 'poseidon.stack': 'shop' } };
  const host = createOptions(replica, { ...ctx, network }).HostConfig;
  assert.deepEqual(host?.DnsSearch, ['shop.svc.poseidon.cluster', 'svc.poseidon.cluster']);
});

test('with tasks on `poseidon` it joins the Poseidon network itself, with the same resolver', () => {
  const network = networkInfo({ name: 'pn-test', tasks: 'poseidon' }, '10.77.0.0/16');
  assert.equal(network.joins, 'pn-test');
  const host = createOptions(task, { ...ctx, network }).HostConfig;
  assert.equal(host?.NetworkMode, 'pn-test');
  assert.deepEqual(host?.Dns, ['10.77.0.1']);
});

test('without a Poseidon network the engine picks: no network mode, no resolver', () => {
  const host = createOptions(task, ctx).HostConfig;
  assert.equal(host?.NetworkMode, undefined);
  assert.equal(host?.Dns, undefined);
  assert.equal(host?.DnsSearch, undefined);
  assert.equal(host?.DnsOptions, undefined);
});

test('a port not published is exposed to other containers and bound to no host port', () => {
  const ports = [
    { containerPort: 80, hostPort: 8080, protocol: 'tcp' as const },
    { containerPort: 81, hostPort: 0, protocol: 'tcp' as const },
    { containerPort: 5432, hostPort: 0, protocol: 'tcp' as const, publish: false as const },
  ];
  const opts = createOptions({ ...task, ports }, ctx);
  assert.deepEqual(Object.keys(opts.ExposedPorts ?? {}), ['80/tcp', '81/tcp', '5432/tcp']);
  assert.deepEqual(opts.HostConfig?.PortBindings, {
    '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
    '81/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
  });
});

test("a port's host address is where it is bound; one the worker's --host does not cover fails the start", () => {
  const ports = [
    { containerPort: 80, hostPort: 8080, protocol: 'tcp' as const, hostIp: '127.0.0.2' },
    { containerPort: 81, hostPort: 0, protocol: 'tcp' as const },
  ];
  assert.deepEqual(createOptions({ ...task, ports }, { ...ctx, publishIp: '0.0.0.0' }).HostConfig?.PortBindings, {
    '80/tcp': [{ HostIp: '127.0.0.2', HostPort: '8080' }],
    '81/tcp': [{ HostIp: '0.0.0.0', HostPort: '' }],
  });
  const wide = [{ containerPort: 80, hostPort: 8080, protocol: 'tcp' as const, hostIp: '10.0.0.9' }];
  assert.throws(
    () => createOptions({ ...task, ports: wide }, ctx),
    /^ContainerStartFailed: container could not be started: its port's host address 10\.0\.0\.9 is not one/,
  );
});

test("a task with a health check of its own turns its image's HEALTHCHECK off; one without keeps it", () => {
  assert.equal(createOptions(task, ctx).Healthcheck, undefined, "the image's, as the engine runs it");
  const checked = { ...task, healthCheck: { type: 'tcp' } as unknown as typeof task.healthCheck };
  assert.deepEqual(createOptions(checked, ctx).Healthcheck, { Test: ['NONE'] });
});

test("imageHealthCheck: false turns the image's HEALTHCHECK off", () => {
  assert.deepEqual(createOptions({ ...task, imageHealthCheck: false }, ctx).Healthcheck, { Test: ['NONE'] });
});
