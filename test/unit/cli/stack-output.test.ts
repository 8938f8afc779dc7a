import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ServiceView } from '../../../src/api/index.js';
import { listStacks, removeStacks, stackServices, stackTasks } from '../../../src/cli/stack-action.js';
import { captured } from '../../helpers/captured-output.js';
import { serve } from '../../helpers/fake-manager.js';
import { serviceTaskView } from '../../helpers/manager-task-view.js';

// What `stack ls|services|ps|rm` print, against a stand-in manager: stack shop's service web and
// its two replicas, and a secret of its deploy that another service still mounts.

const NOW = '2026-12-03T00:00:00.000Z';
const WEB: ServiceView = {
  name: 'web',
  version: 1,
  spec: {
    name: 'web',
    labels: { 'poseidon.stack': 'shop' },
    task: { image: 'poseidon/busybox:latest' },
  } as ServiceView['spec'],
  mode: 'replicated',
  replicas: 2,
  healthy: 2,
  running: 2,
  image: 'poseidon/busybox:latest',
  update: null,
  createdAt: NOW,
  updatedAt: NOW,
};
const SECRET = { name: 'db-password', labels: { 'poseidon.stack': 'shop' } };

async function manager(t: TestContext): Promise<string> {
  const { url } = await serve(t, (req, res) => {
    const key = `${req.method} ${req.url}`;
    const json = (status: number, body: unknown): void =>
      void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (key === 'GET /services') json(200, [WEB]);
    else if (key === 'GET /services/web/tasks') json(200, [serviceTaskView(1), serviceTaskView(2)]);
    else if (key === 'DELETE /services/web') json(200, WEB);
    else if (key === 'GET /secrets') json(200, [SECRET]);
    else if (key === 'GET /configs') json(200, []);
    else if (key === 'DELETE /secrets/db-password')
      json(409, { error: { code: 'file_in_use', message: 'service api mounts it' } });
    else json(404, { error: { code: 'not_found', message: `no ${key}` } });
  });
  return url;
}

test('stack ls, services and ps print their tables, each ending with a newline; --json the views', async (t) => {
  const url = await manager(t);
  const ls = await captured((io) => listStacks({ manager: url }, io));
  assert.equal(ls.out, 'NAME  SERVICES  REPLICAS\nshop  1         2/2\n');
  const services = await captured((io) => stackServices('shop', { manager: url }, io));
  assert.match(services.out, /^NAME .*\nweb .*\n$/);
  const ps = await captured((io) => stackTasks('shop', { manager: url }, io));
  assert.match(ps.out, /^SERVICE .*\nweb .*\nweb .*\n$/);
  const json = await captured((io) => listStacks({ manager: url, json: true }, io));
  assert.deepEqual(JSON.parse(json.out), [{ name: 'shop', services: ['web'], replicas: 2, healthy: 2 }]);
  assert.deepEqual(JSON.parse((await captured((io) => stackTasks('shop', { manager: url, json: true }, io))).out), [
    serviceTaskView(1),
    serviceTaskView(2),
  ]);
});

test('stack rm says what it removed on stdout, and a secret that stays (in use) on stderr', async (t) => {
  const url = await manager(t);
  assert.deepEqual(await captured((io) => removeStacks(['shop'], { manager: url }, io)), {
    out: 'stack shop: removed 1 service (web); their tasks are stopping\n',
    err: 'poseidon: secret db-password stays: service api mounts it\n',
    code: undefined,
  });
  const json = await captured((io) => removeStacks(['shop'], { manager: url, json: true }, io));
  assert.deepEqual(JSON.parse(json.out), [{ stack: 'shop', services: ['web'], secrets: [], configs: [] }]);
});
