import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { systemClock } from '../../../src/clock/index.js';
import { NodeAuthority } from '../../../src/pki/index.js';
import { createWorkerServer, RevokedNodes } from '../../../src/worker/index.js';
import { FakeWorker } from '../../../testkit/fake-worker.js';

// The Worker API's GET /openapi.json: valid OpenAPI 3.1, every route the worker declared in it
// with its method and the schema of its successful answer; only the manager may read it, as only
// the manager calls a worker.

interface Document {
  paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
}

describe("the Worker API's GET /openapi.json", () => {
  const routes: RouteOptions[] = [];
  const fake = new FakeWorker({ name: 'openapi-worker' });
  let app: FastifyInstance;
  let dir: string;
  let doc: Document;
  before(async () => {
    const log = pino({ level: 'silent' });
    dir = await mkdtemp(join(tmpdir(), 'poseidon-worker-openapi-test-'));
    const authority = await NodeAuthority.open({ dataDir: dir, clock: systemClock, log, certTtlMs: 3_600_000 });
    const creds = await authority.managerCredentials(['127.0.0.1'], Math.random);
    app = await createWorkerServer({
      worker: fake.worker,
      driver: fake.driver,
      limits: fake.limits,
      readHost: () => Promise.reject(new Error('no host is read in this test')),
      log,
      metrics: new Registry(),
      revoked: new RevokedNodes(log),
      clock: systemClock,
      tls: { cert: creds.certPem, key: creds.keyPem, ca: creds.caPem },
      onRoute: (route) => void routes.push(route),
    });
    await app.ready();
    doc = app.swagger() as unknown as Document;
  });
  after(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('is valid OpenAPI 3.1 and lists every route with its method and its success answer', async () => {
    const result = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.ok(routes.some((r) => r.method === 'POST' && r.url === '/tasks/batch'));
    assert.ok(routes.some((r) => r.method === 'PUT' && r.url === '/revoked'));
    for (const route of routes) {
      const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
        const op = doc.paths[path]?.[String(method).toLowerCase()];
        assert.ok(op !== undefined, `${String(method)} ${route.url} is documented`);
        assert.ok(
          Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)),
          `${String(method)} ${route.url} documents its success`,
        );
      }
    }
  });

  test('only the manager may read it', async () => {
    assert.deepEqual(doc.paths['/openapi.json']?.get?.security, [{ nodeCertificate: [] }]);
    const anonymous = await app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(anonymous.statusCode, 401);
  });
});
