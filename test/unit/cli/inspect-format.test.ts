import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { inspectFiles } from '../../../src/cli/file-action.js';
import { inspectServices } from '../../../src/cli/service-action.js';
import { inspectNodes, showStatus } from '../../../src/cli/status-action.js';
import { inspectVolumes } from '../../../src/cli/volume-action.js';
import { captured } from '../../helpers/captured-output.js';
import { serve } from '../../helpers/fake-manager.js';
import { managerTaskView } from '../../helpers/manager-task-view.js';
import { nodeStatusView } from '../../helpers/node-status-view.js';

// `--format` on each command that shows one thing whole (status TASK, service, node, volume,
// secret and config inspect), as docker's inspect -f takes it, against a stand-in manager.

const TASK = managerTaskView({ id: '1a2b3c4d-0000-4000-8000-000000000001', name: 'web-1' });
const ROUTES: Record<string, unknown> = {
  '/tasks/web-1': TASK,
  '/nodes': [nodeStatusView({ name: 'w1', labels: { zone: 'a' } })],
  '/services/web': { name: 'web', version: 3, spec: { image: 'nginx:1.27', replicas: 2 } },
  '/services/web/endpoints': { service: 'web', vip: '10.240.128.2', endpoints: [] },
  '/volumes/db-data': { name: 'db-data', node: 'w1', inUseBy: [], users: [] },
  '/volumes/cache': { name: 'cache', node: 'w2', inUseBy: [], users: [] },
  '/secrets/pw': { name: 'pw', size: 4, labels: { env: 'prod' }, inUseBy: [] },
};

/** A manager that answers ROUTES (404 volume_not_found for anything else); the paths asked, in order. */
async function manager(t: TestContext): Promise<{ url: string; asked: string[] }> {
  const asked: string[] = [];
  const { url } = await serve(t, (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    asked.push(path);
    const body = ROUTES[path];
    if (body === undefined)
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'volume_not_found', message: `no volume ${path.slice(9)}` } }));
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return { url, asked };
}

test('status TASK --format reads the task view: {{.State}}, a path into it, {{json .X}}', async (t) => {
  const { url } = await manager(t);
  const { out, err } = await captured((io) =>
    showStatus('web-1', { manager: url, format: '{{.Name}} {{.State}} {{.Health.Status}} {{json .Ports}}' }, io),
  );
  assert.deepEqual([out, err], ['web-1 Running healthy []\n', '']);
});

test('node inspect, service inspect and secret inspect --format print their views by the template', async (t) => {
  const { url } = await manager(t);
  const node = await captured((io) =>
    inspectNodes(['w1'], { manager: url, format: '{{.State}} {{.Labels.zone}}' }, io),
  );
  assert.equal(node.out, 'Up a\n');
  const service = await captured((io) =>
    inspectServices(['web'], { manager: url, format: '{{.Spec.Image}} {{.Discovery.Vip}} {{json .Spec}}' }, io),
  );
  assert.equal(service.out, 'nginx:1.27 10.240.128.2 {"image":"nginx:1.27","replicas":2}\n');
  const secret = await captured((io) =>
    inspectFiles('secret', ['pw'], { manager: url, format: '{{.Labels.env}}' }, io),
  );
  assert.equal(secret.out, 'prod\n');
});

test('volume inspect --format prints a line a volume; one not found is said on stderr, exit status 1', async (t) => {
  const { url } = await manager(t);
  const { out, err, code } = await captured((io) =>
    inspectVolumes(['db-data', 'gone', 'cache'], { manager: url, format: '{{.Name}} on {{.Node}}' }, io),
  );
  assert.deepEqual([out, code], ['db-data on w1\ncache on w2\n', 1]);
  assert.match(err, /no volume gone/);
});

test('a --format naming no field of the view says which fields there are; beside --json it is refused', async (t) => {
  const { url, asked } = await manager(t);
  await assert.rejects(
    captured((io) => inspectServices(['web'], { manager: url, format: '{{.Spec.Imagee}}' }, io)),
    { message: '--format has {{.Spec.Imagee}}, but .Spec has no field Imagee: it has .Image, .Replicas' },
  );
  const before = asked.length;
  await assert.rejects(
    captured((io) => inspectNodes(['w1'], { manager: url, format: '{{.Name}}', json: true }, io)),
    {
      message: '--json and --format both say how to print: give one (--format json prints JSON a line)',
    },
  );
  await assert.rejects(
    captured((io) => inspectVolumes(['cache'], { manager: url, format: '{{range .}}' }, io)),
    {
      name: 'InvalidField',
    },
  );
  await assert.rejects(
    captured((io) => showStatus('web-1', { manager: url, format: '{{if .Name}}' }, io)),
    {
      name: 'InvalidField',
    },
  );
  assert.equal(asked.length, before, 'refused before the manager is asked');
});
