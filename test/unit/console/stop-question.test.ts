import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serviceView } from '../../../src/console/decode.js';
import { stopQuestion } from '../../../src/console/stop-question.js';

// The task page's Stop question says what the manager does next, as `poseidon stop`'s line does: a
// replica whose service mounts a named volume is replaced once it has ended, not beside it.

const service = (volumes: unknown[]): unknown => ({
  name: 'db',
  version: 1,
  replicas: 1,
  healthy: 1,
  running: 1,
  image: 'poseidon/busybox:latest',
  update: null,
  spec: { name: 'db', task: { image: 'poseidon/busybox:latest', volumes } },
});

test('a replica on a named volume: the question says its next one starts once it has ended', () => {
  const ownData = serviceView(service([{ name: 'data', path: '/data' }])).ownData;
  assert.equal(ownData, true);
  assert.equal(
    stopQuestion({ name: 'db.1', service: 'db', effect: 'stops', ownData }),
    'Stop db.1? It is a replica of db, which starts a new one in its place once this one has ended.',
  );
});

test('a replica without one (a host path, or none) is replaced in its place, as before', () => {
  for (const volumes of [[{ hostPath: '/srv', path: '/srv' }], []]) {
    const ownData = serviceView(service(volumes)).ownData;
    assert.equal(ownData, false);
    assert.equal(
      stopQuestion({ name: 'web.1', service: 'web', effect: 'stops', ownData }),
      'Stop web.1? It is a replica of web, which starts a new one in its place.',
    );
  }
  assert.equal(serviceView({ ...(service([]) as object), spec: undefined }).ownData, false, 'no spec: not known');
});

test('a plain task: its restart policy, as before', () => {
  assert.equal(
    stopQuestion({ name: 'x', service: null, effect: 'stops', ownData: false }),
    'Stop x? Its restart policy does not start it again.',
  );
  assert.equal(
    stopQuestion({ name: 'x', service: null, effect: 'cancels-restart', ownData: false }),
    'Stop x? It has ended; the restart its policy planned is cancelled.',
  );
});
