import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import type { ServiceView } from '../../../src/api/index.js';
import { inspectServices } from '../../../src/cli/service-action.js';
import { inspectNodes } from '../../../src/cli/status-action.js';
import { captured } from '../../helpers/captured-output.js';
import { serve } from '../../helpers/fake-manager.js';
import { nodeStatusView } from '../../helpers/node-status-view.js';

// `service inspect A B` and `node inspect A B` take several names, as docker's do: each shown, a
// missing one said on stderr while the others are still shown, exit status 1; --json one array
// for several (the view alone for one, as before), --format a line each.

const UPDATE = {
  parallelism: 1,
  delay: 0,
  order: 'start-first' as const,
  monitor: 5000,
  failureAction: 'pause' as const,
  maxFailureRatio: 0,
  progressDeadline: 600_000,
};

function service(name: string, image: string): ServiceView {
  return {
    name,
    version: 1,
    spec: { name, replicas: 1, task: { image }, update: UPDATE, rollback: UPDATE, drainTimeout: 5000 },
    mode: 'replicated',
    replicas: 1,
    healthy: 1,
    running: 1,
    image,
    update: null,
    createdAt: '2026-12-04T10:00:00.000Z',
    updatedAt: '2026-12-04T10:00:00.000Z',
  };
}

const SERVICES = [service('web', 'nginx:1.27'), service('api', 'node:20')];
const NODES = [
  nodeStatusView({ name: 'w1' }),
  nodeStatusView({ id: '9e1d0000-0000-4000-8000-000000000002', name: 'w2' }),
];

/** A manager that knows SERVICES and NODES (no tasks); the routes asked, in order. */
async function manager(t: TestContext): Promise<{ url: string; asked: string[] }> {
  const asked: string[] = [];
  const send = (res: ServerResponse, status: number, body: unknown): void =>
    void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const { url } = await serve(t, (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://x');
    asked.push(pathname);
    const [, name, endpoints] = /^\/services\/([^/]+)(\/endpoints)?$/.exec(pathname) ?? [];
    const known = SERVICES.find((s) => s.name === name);
    if (pathname === '/nodes') send(res, 200, NODES);
    else if (pathname === '/tasks') send(res, 200, []);
    else if (known !== undefined && endpoints !== undefined)
      send(res, 200, {
        service: known.name,
        vip: `10.240.128.${SERVICES.indexOf(known) + 2}`,
        dnsNames: [`${known.name}.svc.poseidon.cluster`],
        ports: [],
        endpoints: [],
        revision: 1,
      });
    else if (known !== undefined) send(res, 200, known);
    else
      send(res, 404, {
        error: { code: 'service_not_found', message: `no service ${name}; poseidon service ls lists the services` },
      });
  });
  return { url, asked };
}

const NO_SERVICE = 'poseidon: no service nope; poseidon service ls lists the services\n';

test('service inspect A B --json: one array, a missing name said on stderr, exit status 1', async (t) => {
  const { url } = await manager(t);
  const { out, err, code } = await captured((io) =>
    inspectServices(['web', 'nope', 'api'], { manager: url, json: true }, io),
  );
  const views = JSON.parse(out) as Array<{ name: string; discovery: { vip: string } }>;
  assert.deepEqual(
    views.map((v) => [v.name, v.discovery.vip]),
    [
      ['web', '10.240.128.2'],
      ['api', '10.240.128.3'],
    ],
  );
  assert.deepEqual([err, code], [NO_SERVICE, 1]);
  // one name: the view alone, as before
  const one = await captured((io) => inspectServices(['api'], { manager: url, json: true }, io));
  assert.equal((JSON.parse(one.out) as { name: string }).name, 'api');
  assert.deepEqual([one.err, one.code], ['', undefined]);
});

test('service inspect A B: each view for people, a blank line between; --format a line each', async (t) => {
  const { url } = await manager(t);
  const { out, err, code } = await captured((io) => inspectServices(['web', 'api', 'nope'], { manager: url }, io));
  assert.match(out, /^Name:\s+web\n[^]*\n\nName:\s+api\n[^]*[^\n]\n$/);
  assert.deepEqual([err, code], [NO_SERVICE, 1]);
  const format = await captured((io) =>
    inspectServices(['api', 'web'], { manager: url, format: '{{.Name}} {{.Spec.Task.Image}}' }, io),
  );
  assert.deepEqual(format, { out: 'api node:20\nweb nginx:1.27\n', err: '', code: undefined });
  const gone = await captured((io) => inspectServices(['nope'], { manager: url }, io));
  assert.deepEqual(gone, { out: '', err: NO_SERVICE, code: 1 });
});

test('node inspect A B: each node (by name or id prefix), a missing one said, the nodes listed once', async (t) => {
  const { url, asked } = await manager(t);
  const json = await captured((io) => inspectNodes(['w2', 'gone', '7f3c'], { manager: url, json: true }, io));
  assert.deepEqual(
    (JSON.parse(json.out) as Array<{ name: string }>).map((n) => n.name),
    ['w2', 'w1'],
  );
  assert.deepEqual([json.err, json.code], ['poseidon: no node gone (the nodes: w1, w2)\n', 1]);
  assert.deepEqual(asked, ['/nodes']);
  const one = await captured((io) => inspectNodes(['w1'], { manager: url, json: true }, io));
  assert.equal((JSON.parse(one.out) as { name: string }).name, 'w1', 'one name: the node alone, as before');
  const text = await captured((io) => inspectNodes(['w1', 'w2'], { manager: url }, io));
  assert.match(text.out, /^Name:\s+w1\b[^]*\n\nName:\s+w2\b[^]*[^\n]\n$/);
  assert.equal(text.code, undefined);
  const format = await captured((io) => inspectNodes(['w1', 'w2'], { manager: url, format: '{{.Name}}' }, io));
  assert.equal(format.out, 'w1\nw2\n');
});

/** A URL nothing listens at: a port taken and let go. */
async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

test('several names with the manager away, or the token refused: thrown once for the CLI to say, no name after', async (t) => {
  const url = await closedUrl();
  for (const inspect of [inspectServices, inspectNodes]) {
    let err = '';
    const io = { out: (): void => {}, err: (text: string): void => void (err += text) };
    await assert.rejects(inspect(['web', 'api', 'w1'], { manager: url }, io), {
      code: 'unreachable',
      message: new RegExp(`^cannot reach manager at ${url}`),
    });
    assert.equal(err, '', 'not said once a name as well');
  }
  const asked: string[] = [];
  const { url: refusing } = await serve(t, (req, res) => {
    asked.push(req.url ?? '');
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'unauthenticated', message: 'the token is not valid' } }));
  });
  await assert.rejects(
    captured((io) => inspectServices(['web', 'api'], { manager: refusing }, io)),
    { code: 'unauthenticated' },
  );
  assert.ok(asked.includes('/services/web'));
  assert.deepEqual(
    asked.filter((path) => path.includes('api')),
    [],
    'api was not asked',
  );
});
