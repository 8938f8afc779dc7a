import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { HttpClient } from '../../../src/client/index.js';
import {
  ERRORS,
  isNotFound,
  isPermanent,
  isRetryable,
  PoseidonError,
  RemoteError,
  TaskNotFound,
} from '../../../src/errors/index.js';
import { DriverUnreachable } from '../../../src/driver/index.js';
import { buildServer } from '../../../src/http/index.js';
import { WorkerStopping } from '../../../src/worker/errors.js';

test('every code in the list is its own key, with a 4xx or 5xx status', () => {
  for (const [key, spec] of Object.entries(ERRORS)) {
    assert.equal(spec.code, key);
    assert.ok(spec.status >= 400 && spec.status < 600, `${key}: ${spec.status}`);
  }
});

test('an error class takes its status and temporariness from the list', () => {
  const gone = new TaskNotFound('abc', 'on this worker');
  assert.equal(gone.code, 'task_not_found');
  assert.equal(gone.status, 404);
  assert.equal(gone.temporary, false);
  assert.equal(gone.message, 'no task abc on this worker');
  const away = new DriverUnreachable('/var/run/docker.sock');
  assert.equal(away.status, ERRORS.docker_unreachable.status);
  assert.equal(isRetryable(away), true);
  assert.equal(away.retryAfterMs, 1_000);
});

test('a route that does not exist is not a task that does not exist', () => {
  const noRoute = new RemoteError('not_found', 404, 'no route POST /tasks/batch');
  assert.equal(isNotFound(noRoute, 'task'), false);
  assert.equal(isNotFound(noRoute, 'route'), true);
  assert.equal(isNotFound(new RemoteError('task_not_found', 404, 'no task x'), 'task'), true);
  assert.equal(isNotFound(new Error('task_not_found'), 'task'), false);
});

test('a remote code this version knows keeps its meaning; an unknown one keeps its status', () => {
  const known = new RemoteError('worker_stopping', 503, 'stopping');
  assert.equal(isRetryable(known), true);
  const refused = new RemoteError('image_unavailable', 422, 'no image');
  assert.equal(isPermanent(refused), true);
  const newer = new RemoteError('some_future_code', 502, 'later');
  assert.equal(newer.code, 'some_future_code');
  assert.equal(newer.status, 502);
  assert.equal(isRetryable(newer), true);
  assert.equal(isPermanent(new RemoteError('some_future_code', 409, 'no')), true);
  assert.equal(isRetryable(new Error('a bug')), false);
  assert.equal(isPermanent(new Error('a bug')), false);
});

test('the error body carries what the client needs to rebuild the error, retryAfterMs included', async (t) => {
  const app = buildServer({ log: pino({ level: 'silent' }), metrics: new Registry(), component: 'worker' });
  app.get('/stopping', async () => {
    throw new WorkerStopping();
  });
  app.get('/gone', async () => {
    throw new TaskNotFound('t1', 'on this worker');
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  const address = app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  const client = new HttpClient(`http://127.0.0.1:${address.port}`, (url) => `test server at ${url}`);

  const raw = await fetch(`http://127.0.0.1:${address.port}/stopping`);
  assert.equal(raw.status, 503);
  assert.equal(raw.headers.get('retry-after'), '1');
  assert.deepEqual(await raw.json(), {
    error: { code: 'worker_stopping', message: 'the worker is shutting down', retryAfterMs: 1_000 },
  });

  const stopping = await client.request('GET', '/stopping').catch((err: unknown) => err);
  assert.ok(stopping instanceof PoseidonError);
  assert.equal(stopping.code, 'worker_stopping');
  assert.equal(stopping.retryAfterMs, 1_000);
  assert.equal(isRetryable(stopping), true);

  const gone = await client.request('GET', '/gone').catch((err: unknown) => err);
  assert.equal(isNotFound(gone, 'task'), true);
  assert.equal(isPermanent(gone), true);
  const noRoute = await client.request('GET', '/nowhere').catch((err: unknown) => err);
  assert.equal(isNotFound(noRoute, 'task'), false);
  assert.equal(isNotFound(noRoute, 'route'), true);
});
