import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOptions } from '../../../src/driver/docker/create-options.js';
import { parseSubmission, toSpec } from '../../../src/task/index.js';

const base = { name: 'web', image: 'busybox:1.36' };
const host = (spec: object) =>
  createOptions(parseSubmission({ ...base, ...spec }), { workerName: 'w1', generation: 1, publishIp: '127.0.0.1' })
    .HostConfig ?? {};

test('sysctls, groups and log rotation are read, kept through toSpec, and reach the create body', () => {
  const spec = {
    ...base,
    sysctls: { 'net.ipv4.ip_unprivileged_port_start': 0, 'net.core.somaxconn': '1024', 'kernel.shmmax': '65536' },
    groupAdd: ['audio', '1234', 'audio'],
    logs: { maxSize: '128Ki', maxFiles: 2 },
  };
  const r = parseSubmission(spec);
  assert.deepEqual(r.sysctls, {
    'kernel.shmmax': '65536',
    'net.core.somaxconn': '1024',
    'net.ipv4.ip_unprivileged_port_start': '0',
  });
  assert.deepEqual(Object.keys(r.sysctls ?? {}), [
    'kernel.shmmax',
    'net.core.somaxconn',
    'net.ipv4.ip_unprivileged_port_start',
  ]);
  assert.deepEqual(r.groupAdd, ['audio', '1234'], 'once each');
  assert.equal(r.logMaxBytes, 128 * 1024);
  assert.equal(r.logMaxFiles, 2);
  assert.deepEqual(parseSubmission(toSpec(r)), r, 'a round trip through the spec the manager sends');
  assert.deepEqual(toSpec(r).logs, { maxSize: 131072, maxFiles: 2 });
  const h = host(spec);
  assert.deepEqual(h.Sysctls, r.sysctls);
  assert.deepEqual(h.GroupAdd, ['audio', '1234']);
  assert.deepEqual(h.LogConfig, { Type: 'json-file', Config: { 'max-size': '131072', 'max-file': '2' } });
});

test('a task that sets none of them is as before: no fields, and a log of 10 MiB × 3', () => {
  const r = parseSubmission(base);
  for (const field of ['sysctls', 'groupAdd', 'logMaxBytes', 'logMaxFiles'] as const) assert.equal(r[field], undefined);
  const spec = toSpec(r);
  for (const field of ['sysctls', 'groupAdd', 'logs'] as const) assert.equal(spec[field], undefined);
  const h = host({});
  assert.equal(h.Sysctls, undefined);
  assert.equal(h.GroupAdd, undefined);
  assert.deepEqual(h.LogConfig, { Type: 'json-file', Config: { 'max-size': '10485760', 'max-file': '3' } });
  assert.deepEqual(host({ logs: { maxFiles: 5 } }).LogConfig?.Config, { 'max-size': '10485760', 'max-file': '5' });
});

test('refusals name the field: a host sysctl, a bad value, a bad group, a log size out of bounds, too many files', () => {
  const refused = (spec: object, field: string, message: RegExp) =>
    assert.throws(
      () => parseSubmission({ ...base, ...spec }),
      (err: Error & { field?: string }) => {
        assert.equal(err.field, field, err.message);
        assert.match(err.message, message);
        return true;
      },
    );
  refused({ sysctls: { 'vm.max_map_count': '262144' } }, 'sysctls.vm.max_map_count', /a container has its own copy of/);
  refused({ sysctls: { 'kernel.hostname': 'x' } }, 'sysctls.kernel.hostname', /net\.\*/);
  refused({ sysctls: { 'net.core.somaxconn': 'a\nb' } }, 'sysctls.net.core.somaxconn', /on one line/);
  refused({ sysctls: { 'net.core.somaxconn': '' } }, 'sysctls.net.core.somaxconn', /1 to 256 characters/);
  refused({ groupAdd: ['Wheel Users'] }, 'groupAdd[0]', /group name/);
  refused({ logs: { maxSize: '1Ki' } }, 'logs.maxSize', /is 1 KiB; must be between 64 KiB and 1 GiB/);
  refused({ logs: { maxSize: '2Gi' } }, 'logs.maxSize', /between 64 KiB and 1 GiB/);
  refused({ logs: { maxFiles: 0 } }, 'logs.maxFiles', /./);
  refused({ logs: { maxFiles: 101 } }, 'logs.maxFiles', /./);
  refused({ logs: { keep: 3 } }, 'logs.keep', /./);
});
