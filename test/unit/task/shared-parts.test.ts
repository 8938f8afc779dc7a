import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RESTART_POLICY, SharedParts } from '../../../src/task/index.js';
import { taskRequest } from '../../helpers/task-request.js';

test('two requests alike share their image, command, labels, env and restart policy, with the same content', () => {
  const c = new SharedParts();
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
  const c = new SharedParts();
  const r = c.request(taskRequest('a', { labels: { team: 'web' } }));
  assert.throws(() => {
    (r.labels as Record<string, string>)['team'] = 'db';
  }, TypeError);
});

test('a request holding what the one before held shares it without writing any of it as JSON', (t) => {
  const c = new SharedParts();
  const fields = { command: ['sleep', '300'], labels: { team: 'web', tier: 'db' }, env: { A: '1' } };
  const first = c.request(taskRequest('a', structuredClone(fields)));
  const stringify = t.mock.method(JSON, 'stringify');
  const second = c.request(taskRequest('b', structuredClone(fields)));
  assert.equal(stringify.mock.callCount(), 0);
  assert.equal(second.command, first.command);
  assert.equal(second.labels, first.labels);
  assert.equal(second.env, first.env);
});

test('values alike but for their keys order, or for one value, are not taken for the one before', () => {
  const c = new SharedParts();
  c.request(taskRequest('a', { command: ['sleep', '300'], labels: { team: 'web', tier: 'db' } }));
  const reordered = c.request(taskRequest('b', { command: ['sleep', '30'], labels: { tier: 'db', team: 'web' } }));
  assert.deepEqual(reordered.command, ['sleep', '30']);
  assert.deepEqual(
    Object.keys(reordered.labels),
    ['tier', 'team'],
    'the order it was sent in: resubmission compares equal',
  );
  const nested = c.request(taskRequest('c', { command: ['sleep', '30'], labels: { tier: 'db', team: 'ops' } }));
  assert.deepEqual(nested.labels, { tier: 'db', team: 'ops' });
});
