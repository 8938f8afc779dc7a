import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Compactor, NO_PORTS } from '../../../src/manager/compact.js';
import { NO_HEALTH } from '../../../src/manager/records.js';
import { DEFAULT_RESTART_POLICY } from '../../../src/task/index.js';
import { taskRequest } from '../../helpers/task-request.js';

test('two requests alike share their image, command, labels, env and restart policy, with the same content', () => {
  const c = new Compactor();
  const fields = {
    image: 'nginx:1.27',
    command: ['nginx', '-g', 'daemon off;'],
    labels: { team: 'web' },
    env: { A: '1' },
    restartPolicy: { ...DEFAULT_RESTART_POLICY },
  };
  const a = c.request(taskRequest('a', structuredClone(fields)));
  const b = c.request(taskRequest('b', structuredClone(fields)));
  assert.equal(a.command, b.command);
  assert.equal(a.labels, b.labels);
  assert.equal(a.env, b.env);
  assert.equal(a.restartPolicy, DEFAULT_RESTART_POLICY);
  assert.deepEqual(b, taskRequest('b', structuredClone(fields)));
  assert.equal(
    JSON.stringify(b),
    JSON.stringify(taskRequest('b', structuredClone(fields))),
    'same key order: resubmission compares equal',
  );
});

test('shared values are frozen, so a change by mistake throws instead of changing every task', () => {
  const c = new Compactor();
  const r = c.request(taskRequest('a', { labels: { team: 'web' } }));
  assert.throws(() => {
    (r.labels as Record<string, string>)['team'] = 'db';
  }, TypeError);
});

test('an empty health report and an empty port list become the shared constants', () => {
  const c = new Compactor();
  assert.equal(c.health({ status: 'none', failures: 0, lastOutput: '', lastCheckedAt: null }), NO_HEALTH);
  const unhealthy = {
    status: 'unhealthy' as const,
    failures: 3,
    lastOutput: 'timeout',
    lastCheckedAt: '2025-01-01T00:00:00.000Z',
  };
  assert.equal(c.health(unhealthy), unhealthy);
  assert.equal(c.ports([]), NO_PORTS);
});

test('the tables stop growing at their bound; values past it are kept as they are', () => {
  const c = new Compactor(2);
  c.value('labels', { a: '1' });
  c.value('labels', { b: '1' });
  const third = { c: '1' };
  assert.equal(c.value('labels', third), third);
  assert.equal(c.string('x'), 'x');
});
