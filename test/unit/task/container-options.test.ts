import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { capabilitiesFlag } from '../../../src/cli/flags.js';
import { createOptions } from '../../../src/driver/docker/create-options.js';
import { capabilityFilter } from '../../../src/scheduler/index.js';
import type { NodeView } from '../../../src/scheduler/index.js';
import { parseSubmission, toSpec } from '../../../src/task/index.js';
import { normalExtraHost } from '../../../src/task/extra-host.js';

// hostname, extraHosts, shmSize, ulimits, capAdd and capDrop: checked at the edge naming the
// field, kept in the request only when given, sent to the engine as Docker takes them, and a
// capability beyond Docker's default set placed and started only where a worker gives it.

const base = { name: 'web', image: 'busybox:1.36' };

function node(allowedCaps?: string[]): NodeView {
  return {
    id: 'n1',
    name: 'w1',
    up: true,
    capacity: { cpuCores: 4, memoryBytes: 2 ** 33, diskBytes: 2 ** 36 },
    allocated: { cpuCores: 0, memoryBytes: 0, diskBytes: 0 },
    taskCount: 0,
    usedPorts: new Set(),
    ...(allowedCaps === undefined ? {} : { allowedCaps }),
  };
}

describe('container options in a task spec', () => {
  test('each is read into the request, back into the spec the manager dispatches, and into the create body', () => {
    const r = parseSubmission({
      ...base,
      hostname: 'web-1.internal',
      extraHosts: ['db.internal:10.0.0.5', 'gw=host-gateway', 'v6:[2001:db8::1]'],
      shmSize: '256Mi',
      ulimits: { nproc: 512, nofile: { soft: 1024, hard: -1 } },
      capAdd: ['cap_net_admin', 'NET_ADMIN', 'sys_ptrace'],
      capDrop: ['ALL'],
    });
    assert.equal(r.hostname, 'web-1.internal');
    assert.deepEqual(r.extraHosts, ['db.internal:10.0.0.5', 'gw:host-gateway', 'v6:2001:db8::1']);
    assert.equal(r.shmSizeBytes, 256 * 2 ** 20);
    assert.deepEqual(r.ulimits, [
      { name: 'nofile', soft: 1024, hard: -1 },
      { name: 'nproc', soft: 512, hard: 512 },
    ]);
    assert.deepEqual(r.capAdd, ['NET_ADMIN', 'SYS_PTRACE'], 'as Docker names them, once each');
    assert.deepEqual(r.capDrop, ['ALL']);
    const spec = toSpec(r);
    assert.deepEqual(
      [spec.hostname, spec.extraHosts, spec.shmSize, spec.ulimits, spec.capAdd, spec.capDrop],
      [
        'web-1.internal',
        ['db.internal:10.0.0.5', 'gw:host-gateway', 'v6:2001:db8::1'],
        256 * 2 ** 20,
        { nofile: { soft: 1024, hard: -1 }, nproc: 512 },
        ['NET_ADMIN', 'SYS_PTRACE'],
        ['ALL'],
      ],
    );
    assert.deepEqual(parseSubmission(spec), { ...r, id: spec.id }, 'the dispatched spec reads back the same');
    const body = createOptions(r, { workerName: 'w1', generation: 1, publishIp: '127.0.0.1' });
    assert.equal(body.Hostname, 'web-1.internal');
    const host = body.HostConfig ?? {};
    assert.deepEqual(host.ExtraHosts, ['db.internal:10.0.0.5', 'gw:host-gateway', 'v6:2001:db8::1']);
    assert.equal(host.ShmSize, 256 * 2 ** 20);
    assert.deepEqual(host.Ulimits, [
      { Name: 'nofile', Soft: 1024, Hard: -1 },
      { Name: 'nproc', Soft: 512, Hard: 512 },
    ]);
    assert.deepEqual([host.CapAdd, host.CapDrop], [['NET_ADMIN', 'SYS_PTRACE'], ['ALL']]);
  });

  test('none given: no field in the request, the spec or the create body (records stored before are alike)', () => {
    const r = parseSubmission(base);
    for (const k of ['hostname', 'extraHosts', 'shmSizeBytes', 'ulimits', 'capAdd', 'capDrop'])
      assert.equal(k in r, false, k);
    const host = createOptions(r, { workerName: 'w1', generation: 1, publishIp: '127.0.0.1' }).HostConfig ?? {};
    for (const k of ['ExtraHosts', 'ShmSize', 'Ulimits', 'CapAdd', 'CapDrop']) assert.equal(k in host, false, k);
  });

  test('what Docker would refuse is refused at the edge, naming the field', () => {
    const refusals: Array<[Record<string, unknown>, RegExp]> = [
      [{ hostname: 'bad_name' }, /^hostname must be a host name of at most 63 characters/],
      [{ hostname: 'a'.repeat(64) }, /^hostname must be a host name/],
      [{ extraHosts: ['db'] }, /^extraHosts\[0\] must be NAME:ADDRESS .* \(got "db"\)$/],
      [{ extraHosts: ['db:10.0.0.300'] }, /^extraHosts\[0\] must be NAME:ADDRESS/],
      [{ extraHosts: ['bad name:10.0.0.1'] }, /^extraHosts\[0\] must be NAME:ADDRESS/],
      [{ shmSize: 0 }, /^shmSize must be above 0 \(leave it out for the 64 MiB default\)$/],
      [{ shmSize: '64 MB' }, /^shmSize must be bytes/],
      [{ ulimits: { files: 10 } }, /^ulimits\.files is not a limit: the name must be one of core, cpu, /],
      [{ ulimits: { nofile: { soft: 4096, hard: 1024 } } }, /^ulimits\.nofile has soft 4096 above hard 1024/],
      [{ ulimits: { nofile: { soft: -1, hard: 1024 } } }, /^ulimits\.nofile has soft -1 above hard 1024/],
      [{ ulimits: { nofile: -2 } }, /^ulimits\.nofile/],
      [
        { capAdd: ['NET_ADMINS'] },
        /^capAdd\[0\] must be a Linux capability such as "NET_ADMIN" .* \(got "NET_ADMINS"\)$/,
      ],
      [{ capDrop: ['CAP_NOPE'] }, /^capDrop\[0\] must be a Linux capability/],
      [{ capAdd: ['NET_ADMIN'], capDrop: ['net_admin'] }, /^capDrop drops NET_ADMIN, which capAdd adds/],
    ];
    for (const [fields, message] of refusals)
      assert.throws(
        () => parseSubmission({ ...base, ...fields }),
        { code: 'invalid_request', message },
        JSON.stringify(fields),
      );
  });

  test("an /etc/hosts entry is read in each of docker run --add-host's forms", () => {
    assert.equal(normalExtraHost('db:10.0.0.5'), 'db:10.0.0.5');
    assert.equal(normalExtraHost(' db = 10.0.0.5 '), 'db:10.0.0.5');
    assert.equal(normalExtraHost('v6:::1'), 'v6:::1');
    assert.equal(normalExtraHost('gw:host-gateway'), 'gw:host-gateway');
    assert.equal(normalExtraHost('db:example.com'), undefined, 'an address, not a name');
    assert.equal(normalExtraHost(':10.0.0.5'), undefined);
  });
});

describe('capabilities beyond Docker default set', () => {
  test('a worker gives only those it allows (--allow-cap); the default set and drops need nothing', () => {
    const spec = { ...base, capAdd: ['SYS_ADMIN'] };
    assert.throws(() => parseSubmission(spec, { allowedCaps: [] }), {
      message:
        "capAdd[0] SYS_ADMIN is not a capability this worker gives (poseidon worker --allow-cap SYS_ADMIN); it allows none beyond Docker's default set",
    });
    assert.throws(() => parseSubmission(spec, { allowedCaps: ['NET_ADMIN'] }), { message: /it allows NET_ADMIN$/ });
    assert.deepEqual(parseSubmission(spec, { allowedCaps: ['SYS_ADMIN'] }).capAdd, ['SYS_ADMIN']);
    assert.deepEqual(parseSubmission(spec, { allowedCaps: ['ALL'] }).capAdd, ['SYS_ADMIN']);
    const plain = { ...base, capAdd: ['CHOWN', 'NET_BIND_SERVICE'], capDrop: ['ALL'] };
    assert.deepEqual(parseSubmission(plain, { allowedCaps: [] }).capAdd, ['CHOWN', 'NET_BIND_SERVICE']);
    assert.throws(() => parseSubmission({ ...base, capAdd: ['ALL'] }, { allowedCaps: ['SYS_ADMIN'] }), {
      message: /^capAdd\[0\] ALL is not a capability this worker gives/,
    });
  });

  test('the scheduler places such a task only on a node whose worker gives it, and says why not', () => {
    const task = parseSubmission({ ...base, capAdd: ['NET_ADMIN', 'CHOWN'] });
    assert.equal(capabilityFilter.reject(task, node()), 'node does not allow capability NET_ADMIN');
    assert.equal(capabilityFilter.reject(task, node(['SYS_PTRACE'])), 'node does not allow capability NET_ADMIN');
    assert.equal(capabilityFilter.reject(task, node(['NET_ADMIN'])), null);
    assert.equal(capabilityFilter.reject(task, node(['ALL'])), null);
    assert.equal(capabilityFilter.reject(parseSubmission({ ...base, capAdd: ['CHOWN'] }), node()), null);
    assert.equal(capabilityFilter.reject(parseSubmission(base), node()), null);
  });

  test('--allow-cap reads Docker names, CAP_ and any case, repeated or comma-separated; anything else is refused', () => {
    assert.deepEqual(capabilitiesFlag('--allow-cap', ['net_admin,CAP_SYS_PTRACE', 'NET_ADMIN']), [
      'NET_ADMIN',
      'SYS_PTRACE',
    ]);
    assert.deepEqual(capabilitiesFlag('--allow-cap', undefined), []);
    assert.throws(() => capabilitiesFlag('--allow-cap', ['NET_ADMINS']), {
      message: /^--allow-cap must be a Linux capability such as "NET_ADMIN" .* \(got "NET_ADMINS"\)$/,
    });
  });
});
