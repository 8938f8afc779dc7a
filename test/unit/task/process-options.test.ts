import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createOptions } from '../../../src/driver/docker/create-options.js';
import { stopCallTimeoutMs, STOP_CALL_MARGIN_MS } from '../../../src/manager/dispatcher.js';
import { parseSubmission, toSpec } from '../../../src/task/index.js';
import { normalStopSignal } from '../../../src/task/process-rules.js';
import { FakeWorker } from '../../../testkit/fake-worker.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { taskRequest } from '../../helpers/task-request.js';

// entrypoint, user, workdir, stopSignal, stopGracePeriod and readOnlyRootfs: checked at the
// edge naming the field, kept in the request only when given, sent to the engine as Docker takes
// them, and a stop waits the task's own grace on the worker and in the manager's call.

const base = { name: 'web', image: 'busybox:1.36' };

describe('process options in a task spec', () => {
  test('each is parsed into the request and back into the spec the manager dispatches', () => {
    const spec = {
      ...base,
      entrypoint: ['/docker-entrypoint.sh'],
      user: '1000:1000',
      workdir: '/srv/app',
      stopSignal: 'int',
      stopGracePeriod: '1m',
      readOnlyRootfs: true,
    };
    const r = parseSubmission(spec);
    assert.deepEqual(
      [r.entrypoint, r.user, r.workdir, r.stopSignal, r.stopGraceMs, r.readOnlyRootfs],
      [['/docker-entrypoint.sh'], '1000:1000', '/srv/app', 'SIGINT', 60_000, true],
    );
    const back = toSpec(r);
    assert.deepEqual(
      [back.entrypoint, back.user, back.workdir, back.stopSignal, back.stopGracePeriod, back.readOnlyRootfs],
      [['/docker-entrypoint.sh'], '1000:1000', '/srv/app', 'SIGINT', 60_000, true],
    );
    assert.deepEqual(parseSubmission(back), { ...r }, 'the dispatched spec parses to the same request');
  });

  test('absent, none is set (records stored before them are alike); an empty entrypoint is kept', () => {
    const r = parseSubmission(base);
    for (const k of ['entrypoint', 'user', 'workdir', 'stopSignal', 'stopGraceMs', 'readOnlyRootfs'])
      assert.equal(Object.hasOwn(r, k), false, k);
    assert.deepEqual(parseSubmission({ ...base, entrypoint: [] }).entrypoint, []);
    assert.equal(Object.hasOwn(parseSubmission({ ...base, readOnlyRootfs: false }), 'readOnlyRootfs'), false);
  });

  test('bad values are refused naming the field', () => {
    const refused: Array<[Record<string, unknown>, RegExp]> = [
      [{ user: 'a b' }, /^user must be USER or USER:GROUP/],
      [{ user: '1000:1000:1' }, /^user must/],
      [{ workdir: 'app' }, /^workdir must be an absolute path/],
      // too long: the one message says both rules, not only the one it broke
      [{ workdir: `/${'a'.repeat(4096)}` }, /^workdir must be an absolute path .* of at most 4096 characters/],
      [{ stopSignal: 'SIGNOPE' }, /^stopSignal must be a signal such as "SIGTERM"/],
      [{ stopSignal: '65' }, /^stopSignal /],
      [{ stopGracePeriod: '25h' }, /^stopGracePeriod /],
      [{ stopGracePeriod: -1 }, /^stopGracePeriod /],
      [{ entrypoint: 'sh -c' }, /^entrypoint /],
      [{ readOnlyRootfs: 'yes' }, /^readOnlyRootfs must be true or false/],
    ];
    for (const [fields, message] of refused) assert.throws(() => parseSubmission({ ...base, ...fields }), { message });
  });

  test('tmpfs: paths resolved, sizes in bytes, each path once (volumes included), back into the spec', () => {
    const r = parseSubmission({
      ...base,
      volumes: [{ name: 'data', path: '/data' }],
      tmpfs: [{ path: '/tmp/' }, { path: '/run/app', size: '64Mi' }],
    });
    assert.deepEqual(r.tmpfs, [{ path: '/tmp' }, { path: '/run/app', sizeBytes: 64 * 2 ** 20 }]);
    assert.deepEqual(toSpec(r).tmpfs, [{ path: '/tmp' }, { path: '/run/app', size: 64 * 2 ** 20 }]);
    assert.equal(Object.hasOwn(parseSubmission(base), 'tmpfs'), false);
    const refused: Array<[Record<string, unknown>, RegExp]> = [
      [{ tmpfs: [{ path: '/' }] }, /^tmpfs\[0\]\.path is \/; mount a tmpfs on a directory below it/],
      [{ tmpfs: [{ path: '/tmp' }, { path: '/tmp/.' }] }, /^tmpfs\[1\]\.path \/tmp is mounted twice/],
      [
        { volumes: [{ name: 'data', path: '/data' }], tmpfs: [{ path: '/data' }] },
        /^tmpfs\[0\]\.path \/data is mounted twice/,
      ],
      [{ tmpfs: [{ path: '/tmp', size: 0 }] }, /^tmpfs\[0\]\.size must be above 0/],
      [{ tmpfs: [{ path: 'tmp' }] }, /^tmpfs\[0\]\.path /],
      [{ tmpfs: [{ path: '/tmp', mode: 1777 }] }, /^tmpfs\[0\]\.mode /],
    ];
    for (const [fields, message] of refused) assert.throws(() => parseSubmission({ ...base, ...fields }), { message });
  });

  test('signals by name, short name or number', () => {
    assert.equal(normalStopSignal('SIGQUIT'), 'SIGQUIT');
    assert.equal(normalStopSignal('hup'), 'SIGHUP');
    assert.equal(normalStopSignal('34'), '34');
    assert.equal(normalStopSignal('0'), undefined);
    assert.equal(normalStopSignal('SIG'), undefined);
  });
});

describe('the engine and the stops', () => {
  test('the create body carries them as Docker takes them; an empty entrypoint is [""]', () => {
    const ctx = { workerName: 'w1', generation: 1, publishIp: '127.0.0.1' };
    const r = taskRequest('0b5c8f1e-1111-4222-8333-944445555666', {
      entrypoint: ['tini', '--'],
      user: 'nobody',
      workdir: '/tmp',
      stopSignal: 'SIGINT',
      stopGraceMs: 1_500,
      readOnlyRootfs: true,
    });
    const body = createOptions(r, ctx);
    assert.deepEqual(
      [body.Entrypoint, body.User, body.WorkingDir, body.StopSignal, body.StopTimeout, body.HostConfig?.ReadonlyRootfs],
      [['tini', '--'], 'nobody', '/tmp', 'SIGINT', 2, true],
    );
    assert.deepEqual(createOptions({ ...r, entrypoint: [] }, ctx).Entrypoint, ['']);
    const withTmpfs = createOptions({ ...r, tmpfs: [{ path: '/tmp', sizeBytes: 1024 }, { path: '/run' }] }, ctx);
    assert.deepEqual(withTmpfs.HostConfig?.Mounts, [
      { Type: 'tmpfs', Source: '', Target: '/tmp', TmpfsOptions: { SizeBytes: 1024, Mode: 0o1777 } },
      { Type: 'tmpfs', Source: '', Target: '/run', TmpfsOptions: { SizeBytes: 0, Mode: 0o1777 } },
    ]);
    const plain = createOptions(taskRequest('0b5c8f1e-1111-4222-8333-944445555667'), ctx);
    for (const k of ['Entrypoint', 'User', 'WorkingDir', 'StopSignal', 'StopTimeout'] as const)
      assert.equal(plain[k], undefined, k);
    assert.equal(plain.HostConfig?.ReadonlyRootfs, undefined);
  });

  test("a stop waits the task's own grace on the worker, else the worker's", async (t) => {
    const fake = new FakeWorker({ name: 'w1', clock: new FakeClock(), stopGraceSeconds: 7 });
    await fake.start();
    t.after(() => fake.stop());
    const own = '11111111-0000-4000-8000-000000000001';
    const other = '22222222-0000-4000-8000-000000000002';
    await fake.worker.submit(taskRequest(own, { stopGraceMs: 2_500 }), 1, 0);
    await fake.worker.submit(taskRequest(other), 1, 0);
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    const ownContainer = fake.worker.get(own).containerId;
    const otherContainer = fake.worker.get(other).containerId;
    await fake.worker.remove(own);
    await fake.worker.remove(other);
    assert.deepEqual(fake.driver.callsOf('stop'), [
      [ownContainer, 3],
      [otherContainer, 7],
    ]);
  });

  test("the manager's stop call waits the task's grace, else the node's, and a margin", () => {
    assert.equal(stopCallTimeoutMs({ stopGraceSeconds: 10 }), 10_000 + STOP_CALL_MARGIN_MS);
    assert.equal(stopCallTimeoutMs({ stopGraceSeconds: 10 }, 90_500), 91_000 + STOP_CALL_MARGIN_MS);
    assert.equal(stopCallTimeoutMs({}, 0), STOP_CALL_MARGIN_MS);
  });
});
