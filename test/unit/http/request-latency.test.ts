import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildServer } from '../../../src/http/index.js';

// Every answer is counted in poseidon_<component>_http_request_duration_seconds by method, route
// (the route's pattern, 'unmatched' when none matched) and status, beside a route's own onResponse hooks.

test('each answer is observed once under its method, route pattern and status; no route is "unmatched"', async (t) => {
  const metrics = new Registry();
  const app = buildServer({ log: pino({ level: 'silent' }), metrics, component: 'worker' });
  t.after(() => app.close());
  let ownHook = 0;
  app.get('/tasks/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    if (id === 'gone') return reply.status(404).send({ error: 'gone' });
    return { id };
  });
  app.post(
    '/tasks',
    {
      onResponse: (_req, _reply, done) => {
        ownHook += 1;
        done();
      },
    },
    async (_req, reply) => reply.status(201).send({ ok: true }),
  );
  await app.ready();

  for (const url of ['/tasks/a', '/tasks/b', '/tasks/gone']) await app.inject({ method: 'GET', url });
  await app.inject({ method: 'POST', url: '/tasks', payload: {} });
  await app.inject({ method: 'HEAD', url: '/tasks/a' });
  assert.equal((await app.inject({ method: 'GET', url: '/nowhere' })).statusCode, 404);
  assert.equal(ownHook, 1, "the route's own onResponse hook ran");

  const counts = (await metrics.getSingleMetricAsString('poseidon_worker_http_request_duration_seconds'))
    .split('\n')
    .filter((l) => l.startsWith('poseidon_worker_http_request_duration_seconds_count'))
    .map((l) => l.replace('poseidon_worker_http_request_duration_seconds_count', ''))
    .sort();
  assert.deepEqual(counts, [
    '{method="GET",route="/tasks/:id",status="200"} 2',
    '{method="GET",route="/tasks/:id",status="404"} 1',
    '{method="GET",route="unmatched",status="404"} 1',
    '{method="HEAD",route="/tasks/:id",status="200"} 1',
    '{method="POST",route="/tasks",status="201"} 1',
  ]);
});
