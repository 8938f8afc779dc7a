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
