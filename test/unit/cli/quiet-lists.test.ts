import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { listServices, serviceTasks } from '../../../src/cli/service-action.js';
import { listStacks, stackServices, stackTasks } from '../../../src/cli/stack-action.js';
import type { Output } from '../../../src/cli/each-name.js';
import { captured } from '../../helpers/captured-output.js';
import { serve } from '../../helpers/fake-manager.js';

// `service ls|ps -q` and `stack ls|services|ps -q`, as docker's take them: the names or task ids
// alone, one a line, against a stand-in manager.

const SERVICES = [
  { name: 'web', spec: { labels: { 'poseidon.stack': 'shop' } } },
  { name: 'db', spec: { labels: { 'poseidon.stack': 'shop' } } },
  { name: 'lone', spec: {} },
];
const LIVE = [{ id: 'aaaaaaaa-1' }, { id: 'bbbbbbbb-2' }];
const ALL = [{ id: 'aaaaaaaa-1' }, { id: 'cccccccc-0' }, { id: 'bbbbbbbb-2' }];

async function manager(t: TestContext): Promise<string> {
  const { url } = await serve(t, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const body =
      path === '/services'
        ? SERVICES
        : path === '/tasks'
          ? ALL
          : /^\/services\/[^/]+\/tasks$/.test(path ?? '')
            ? LIVE
            : undefined;
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return url;
}

/** What `run` wrote to stdout. */
async function stdout(run: (io: Output) => Promise<void>): Promise<string> {
  const { out, err } = await captured(run);
  assert.equal(err, '');
  return out;
}

test('service ls -q: the names; service ps -q: the live task ids, then the ended ones the table shows', async (t) => {
  const manager_ = await manager(t);
  assert.equal(await stdout((io) => listServices({ manager: manager_, quiet: true }, io)), 'web\ndb\nlone\n');
  assert.equal(
    await stdout((io) => serviceTasks('web', { manager: manager_, quiet: true }, io)),
    'aaaaaaaa-1\nbbbbbbbb-2\ncccccccc-0\n',
  );
});

test("stack ls -q: the stacks; stack services -q: its services; stack ps -q: its services' task ids", async (t) => {
  const manager_ = await manager(t);
  assert.equal(await stdout((io) => listStacks({ manager: manager_, quiet: true }, io)), 'shop\n');
  assert.equal(await stdout((io) => stackServices('shop', { manager: manager_, quiet: true }, io)), 'db\nweb\n');
  assert.equal(
    await stdout((io) => stackTasks('shop', { manager: manager_, quiet: true }, io)),
    'aaaaaaaa-1\nbbbbbbbb-2\naaaaaaaa-1\nbbbbbbbb-2\n',
  );
});
