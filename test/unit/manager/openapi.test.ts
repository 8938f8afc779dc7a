import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { TokenBook, type TokenRecord } from '../../../src/auth/index.js';
import { systemClock } from '../../../src/clock/index.js';
import { createManagerServer, Manager, type ManagerRecord, type WorkerCalls } from '../../../src/manager/index.js';
import { NodeAuthority } from '../../../src/pki/index.js';
import { strategyByName } from '../../../src/scheduler/index.js';
import { MemoryStore } from '../../../src/store/index.js';
import type { TaskRequest } from '../../../src/task/index.js';

// GET /openapi.json describes the Manager API as the server has it: the document is valid OpenAPI
// 3.1 (checked by a maintained validator, not by us), every route the server declared is in it
// with its method, and every route declares the schema of its successful answer.

interface Operation {
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema: unknown }> }>;
  security?: unknown[];
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

const noWorkers = (): WorkerCalls => {
  throw new Error('no worker is called in this test');
};

/** fastify's `/tasks/:id` as OpenAPI writes it, `/tasks/{id}`. */
const openApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('GET /openapi.json', () => {
  let manager: Manager;
  let app: FastifyInstance;
  let dir: string;
  let readToken: string;
  let adminToken: string;
  let doc: Document;
  const routes: RouteOptions[] = [];
  before(async () => {
    const log = pino({ level: 'silent' });
    dir = await mkdtemp(join(tmpdir(), 'poseidon-openapi-test-'));
    const authority = await NodeAuthority.open({ dataDir: dir, clock: systemClock, log, certTtlMs: 3_600_000 });
    const creds = await authority.managerCredentials(['127.0.0.1'], Math.random);
    const tokens = new TokenBook({ store: new MemoryStore<TokenRecord>(), clock: systemClock, log });
    await tokens.load();
    readToken = (await tokens.create({ scope: 'read', name: 'reader' })).token;
    adminToken = (await tokens.create({ scope: 'admin', name: 'admin' })).token;
    const metrics = new Registry();
    manager = new Manager({
      store: new MemoryStore<ManagerRecord>(),
      clock: systemClock,
      strategy: strategyByName('roundrobin'),
      log,
      metrics,
      heartbeatPeriodMs: 1_000,
      heartbeatGraceMs: 600_000,
      sweepMs: 600_000,
      workerClient: noWorkers,
    });
    await manager.start();
    // the server as the manager's runtime builds it, /status included
    app = await createManagerServer({
      manager,
      log,
      metrics,
      clock: systemClock,
      tokens,
      authority,
      tls: { cert: creds.certPem, key: creds.keyPem, ca: creds.caPem },
      workers: () => {
        throw new Error('no worker is called in this test');
      },
      status: async () => ({ managers: [], leader: null, store: { kind: 'lmdb', members: [] } }),
      onRoute: (route) => void routes.push(route),
    });
    await app.ready();
    const res = await app.inject({
      method: 'GET',
      url: '/openapi.json',
      headers: { authorization: `Bearer ${readToken}` },
    });
    assert.equal(res.statusCode, 200, res.body);
    doc = res.json<Document>();
  });
  after(async () => {
    await app.close();
    await manager.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('is a valid OpenAPI 3.1 document', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const result = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  });

  test('lists every route the server declared, with its method', () => {
    const declared = routes.flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]).map((m) => [m, r.url]));
    // the API as a whole, so a route left out of the collection would show here too
    for (const route of ['GET /tasks', 'POST /services', 'GET /events', 'POST /tokens', 'GET /openapi.json']) {
      assert.ok(
        declared.some(([m, u]) => `${m} ${u}` === route),
        `${route} was declared`,
      );
    }
    const missing = declared
      .filter(([method, url]) => doc.paths[openApiPath(String(url))]?.[String(method).toLowerCase()] === undefined)
      .map(([m, u]) => `${m} ${u}`);
    assert.deepEqual(missing, []);
    const documented = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    assert.equal(documented, declared.length, 'and nothing else');
  });

  test('every route declares the schema of its successful answer, and the document shows it', () => {
    const without = routes
      .filter((r) => {
        const response = (r.schema?.response ?? {}) as Record<string, unknown>;
        return !Object.keys(response).some((status) => /^2\d\d$/.test(status));
      })
      .map((r) => `${String(r.method)} ${r.url}`);
    assert.deepEqual(without, [], 'routes without a 2xx response schema');
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const success = Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s));
        assert.ok(success.length > 0, `${method} ${path} documents a success`);
        assert.ok(op.responses['4XX'] !== undefined || op.responses['4xx'] !== undefined, `${method} ${path} errors`);
        // a body unless there is none to send (204) or it is HEAD
        if (method !== 'head' && !success.includes('204'))
          assert.ok(
            success.some((s) => op.responses[s]?.content !== undefined),
            `${method} ${path} documents its body`,
          );
      }
    }
  });

  test('request bodies are documented, those checked by their own parser too', () => {
    const body = (method: string, path: string): Record<string, unknown> | undefined =>
      doc.paths[path]?.[method]?.requestBody?.content['application/json']?.schema.properties;
    assert.ok(body('post', '/tasks')?.image !== undefined, 'POST /tasks: a task spec');
    assert.ok(body('post', '/services')?.replicas !== undefined, 'POST /services: a service spec');
    assert.ok(body('put', '/services/{name}')?.task !== undefined, 'PUT /services/{name}: a service spec');
    assert.ok(body('post', '/services/{name}/scale')?.replicas !== undefined, 'scale: replicas');
    assert.ok(body('post', '/tokens')?.scope !== undefined, 'POST /tokens: a scope');
    assert.ok(body('post', '/nodes/register')?.nodeId !== undefined, 'register: a node');
    const task = doc.paths['/tasks/{id}']?.get?.responses['200']?.content?.['application/json']?.schema as {
      properties: Record<string, unknown>;
    };
    assert.ok(task.properties.desiredState !== undefined, 'GET /tasks/{id} answers a task view');
  });

  test("a task's logs: text, or each stream apart as NDJSON when Accept asks for it", () => {
    const logs = doc.paths['/tasks/{id}/logs']?.get?.responses['200'];
    assert.deepEqual(Object.keys(logs?.content ?? {}).sort(), ['application/x-ndjson', 'text/plain']);
    assert.match(String(logs?.description), /Accept: application\/x-ndjson/);
  });

  test('what the server answers is what its response schema says: no field missing, none undocumented', async () => {
    const schemaOf = (method: string, url: string, status: number): TSchema => {
      const route = routes.find((r) => r.method === method && r.url === url);
      const schema = (route?.schema?.response as Record<string, TSchema> | undefined)?.[status];
      assert.ok(schema !== undefined, `${method} ${url} declares a ${status} schema`);
      return schema;
    };
    const service = { name: 'web', replicas: 2, task: { image: 'poseidon/busybox:latest', command: ['sleep', '60'] } };
    // a volume is recorded once a task that mounts it has run on a node: here, by hand, for the task below
    const volumes = [{ name: 'data', path: '/data' }];
    await manager.volumes.ran('11111111-1111-4111-8111-111111111111', {
      volumes: [{ kind: 'volume', name: 'data', path: '/data', readOnly: false }],
    } as TaskRequest);
    // [method, the route, the request's path, body]: a task and a service that wait for a node, tokens
    const calls: Array<[string, string, string, unknown?]> = [
      ['POST', '/tasks', '/tasks', { name: 'one', image: 'poseidon/busybox:latest', labels: { a: 'b' }, volumes }],
      ['GET', '/tasks', '/tasks'],
      ['GET', '/tasks', '/tasks?fields=id,name,state'],
      ['POST', '/services', '/services', service],
      ['GET', '/services', '/services'],
      ['GET', '/services/:name', '/services/web'],
      ['POST', '/services/:name/scale', '/services/web/scale', { replicas: 3 }],
      ['PUT', '/services/:name', '/services/web', { ...service, task: { ...service.task, env: { A: '1' } } }],
      ['GET', '/services/:name/tasks', '/services/web/tasks'],
      ['GET', '/services/:name/endpoints', '/services/web/endpoints'],
      ['GET', '/nodes', '/nodes'],
      ['GET', '/volumes', '/volumes'],
      ['GET', '/volumes/:name', '/volumes/data'],
      ['GET', '/tokens', '/tokens'],
      ['POST', '/tokens', '/tokens', { scope: 'read', name: 'ci', ttl: '1d' }],
      ['GET', '/whoami', '/whoami'],
      ['GET', '/status', '/status'],
      ['GET', '/healthz', '/healthz'],
      ['POST', '/join-token/rotate', '/join-token/rotate'],
      ['DELETE', '/services/:name', '/services/web'],
    ];
    for (const [method, url, path, body] of calls) {
      const res = await app.inject({
        method: method as 'GET',
        url: path,
        headers: { authorization: `Bearer ${adminToken}` },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      assert.ok(res.statusCode < 300, `${method} ${path}: ${res.statusCode} ${res.body}`);
      const schema = schemaOf(method, url, res.statusCode);
      const answer: unknown = res.json();
      assert.ok(Value.Check(schema, answer), `${method} ${path}: ${[...Value.Errors(schema, answer)][0]?.message}`);
      assert.deepEqual(Value.Clean(schema, structuredClone(answer)), answer, `${method} ${path}: undocumented fields`);
    }
    const [task] = manager.listTasks({});
    assert.ok(task !== undefined);
    for (const method of ['GET', 'DELETE']) {
      const res = await app.inject({
        method: method as 'GET',
        url: `/tasks/${task.id}`,
        headers: { authorization: `Bearer ${adminToken}` },
      });
      assert.ok(Value.Check(schemaOf(method, '/tasks/:id', 200), res.json()), `${method} /tasks/{id}`);
    }
  });

  test('says who may call each route; the document itself needs a read token', async () => {
    assert.deepEqual(doc.paths['/healthz']?.get?.security, []);
    assert.deepEqual(doc.paths['/tasks']?.post?.security, [{ token: [] }]);
    assert.deepEqual(doc.paths['/nodes/register']?.post?.security, [{ nodeCertificate: [] }]);
    const anonymous = await app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(anonymous.statusCode, 401);
  });

  test("the README's list of the Manager API's routes is the document's: none missing, none twice", async () => {
    const readme = await readFile(fileURLToPath(new URL('../../../../README.md', import.meta.url)), 'utf8');
    const at = readme.indexOf('Manager (default `127.0.0.1:5555`)');
    assert.ok(at >= 0, "the README's APIs section");
    const paragraph = readme.slice(at, readme.indexOf('HTTPS only.', at));
    // `GET/POST /tasks`, `GET/DELETE\n/tasks/{id-or-prefix}`: the methods, then the path, its names
    // of parameters aside (`{id-or-name}` is the document's `{id}`)
    const listed = [...paragraph.matchAll(/`([A-Z]+(?:\/[A-Z]+)*)\s+(\/[^`\s?]*)[^`]*`/g)].flatMap(
      ([, methods, path]) => (methods ?? '').split('/').map((m) => `${m} ${(path ?? '').replace(/\{[^}]+\}/g, '{}')}`),
    );
    const twice = listed.filter((route, i) => listed.indexOf(route) !== i);
    assert.deepEqual(twice, [], 'routes the README lists twice');
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '{}')}`))
      // HEAD of each GET, and the console's own pages and files beside `GET /ui`
      .filter((route) => !route.startsWith('HEAD ') && !route.startsWith('GET /ui/'));
    assert.deepEqual(
      documented.filter((route) => !listed.includes(route)),
      [],
      'routes the README does not list',
    );
    assert.deepEqual(
      listed.filter((route) => !documented.includes(route)),
      [],
      'routes the README lists that the manager does not have',
    );
  });
});
