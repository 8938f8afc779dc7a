import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ServiceView } from '../../../src/api/index.js';
import {
  createImageService,
  removeServices,
  rollbackService,
  scaleService,
  updateService,
} from '../../../src/cli/service-action.js';
import { captured } from '../../helpers/captured-output.js';
import { serve } from '../../helpers/fake-manager.js';
import { serviceTaskView } from '../../helpers/manager-task-view.js';

// What `service create|scale|update|rollback|rm` print, against a stand-in manager: a line for the
// service and what became of it (--json: the view), with --wait the replicas until all are
// healthy; a service rm of several says the one not found on stderr, and exits 1.

const NOW = '2026-12-03T00:00:00.000Z';

function web(version: number, replicas: number): ServiceView {
  return {
    name: 'web',
    version,
    spec: { name: 'web', replicas, task: { image: 'poseidon/busybox:latest' } } as ServiceView['spec'],
    mode: 'replicated',
    replicas,
    healthy: replicas,
    running: replicas,
    image: 'poseidon/busybox:latest',
    update: null,
    createdAt: NOW,
    updatedAt: NOW,
  };
}

/** A manager with service web (version 1, 2 replicas, both healthy); any other service is not found. */
async function manager(t: TestContext): Promise<string> {
  const { url } = await serve(t, (req, res) => {
    const key = `${req.method} ${req.url?.split('?')[0]}`;
    const answers: Record<string, unknown> = {
      'POST /services': web(1, 2),
      'GET /services/web': web(1, 2),
      'GET /services/web/tasks': [serviceTaskView(1), serviceTaskView(2)],
      'POST /services/web/scale': web(1, 3),
      'PUT /services/web': web(2, 2),
      'POST /services/web/rollback': web(3, 2),
      'DELETE /services/web': web(1, 2),
    };
    const body = answers[key];
    if (body !== undefined) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    else
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'service_not_found', message: 'no service api' } }));
  });
  return url;
}

test('service create, scale, update, rollback print a line each: what became of it, its version and size', async (t) => {
  const url = await manager(t);
  const flags = { manager: url };
  const lines = [
    await captured((io) => createImageService('poseidon/busybox:latest', [], { ...flags, name: 'web' }, io)),
    await captured((io) => scaleService('web=3', undefined, flags, io)),
    await captured((io) => updateService('web', { ...flags, image: 'poseidon/busybox:1' }, io)),
    await captured((io) => rollbackService('web', flags, io)),
  ];
  assert.deepEqual(
    lines.map((l) => l.out),
    [
      'service web created (version 1, 2 replicas)\n',
      'service web scaled (version 1, 3 replicas)\n',
      'service web updating to version 2 (2 replicas)\n',
      'service web rolling back to version 3 (2 replicas)\n',
    ],
  );
  assert.deepEqual(
    lines.map((l) => l.err),
    ['', '', '', ''],
  );
  const json = await captured((io) => scaleService('web', '3', { ...flags, json: true }, io));
  assert.deepEqual(JSON.parse(json.out), web(1, 3));
});

test('service create --wait shows the replicas until all are healthy, on stdout; --json the view alone', async (t) => {
  const url = await manager(t);
  const flags = { manager: url, name: 'web', wait: true };
  const waited = await captured((io) => createImageService('poseidon/busybox:latest', [], flags, io));
  const lines = waited.out.split('\n');
  assert.equal(lines[0], 'service web created (version 1, 2 replicas)');
  assert.equal(lines.at(-2), 'service web: 2/2 replicas healthy');
  assert.equal(lines.at(-1), '', 'each line ends with a newline');
  assert.deepEqual([waited.err, waited.code], ['', undefined]);
  const json = await captured((io) => createImageService('poseidon/busybox:latest', [], { ...flags, json: true }, io));
  assert.deepEqual(JSON.parse(json.out), web(1, 2));
});

test('service rm of several: each removed said on stdout, the one not found on stderr, exit 1', async (t) => {
  const url = await manager(t);
  assert.deepEqual(await captured((io) => removeServices(['web', 'api'], { manager: url }, io)), {
    out: 'service web removed; its tasks are stopping (version 1, 2 replicas)\n',
    err: 'poseidon: no service api\n',
    code: 1,
  });
});
