import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { WorkerClient } from '../../../src/client/index.js';
import { logsRoute } from '../../../src/manager/logs-route.js';
import type { Manager } from '../../../src/manager/manager.js';
import { serverWithLevels } from '../../../testkit/stopping-server.js';

// A task's logs through the manager: the client's Accept is passed on to the worker, and the
// worker's answer goes back with its own type, so a worker older than the streams apart (text,
// whatever it is asked) still serves a client that asked for them, and an older client gets text.

const TASK = { id: 't1000000-0000-4000-8000-000000000000', name: 'web', state: 'Running', containerId: 'ctr-1' };
const LINES = `${JSON.stringify({ stdout: 'out\n' })}\n${JSON.stringify({ stderr: 'err\n' })}\n`;

/** The "worker": each stream apart when asked (or, `old`, text whatever it is asked); the Accept headers it got. */
async function worker(t: TestContext, old: boolean): Promise<{ url: string; accepts: Array<string | undefined> }> {
  const accepts: Array<string | undefined> = [];
  const server = createServer((req, res) => {
    accepts.push(req.headers.accept);
    if (!old && req.headers.accept === 'application/x-ndjson') {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(LINES);
    } else {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('out\nerr\n');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, accepts };
}

async function manager(t: TestContext, workerUrl: string | null, task: object = TASK): Promise<string> {
  const { app } = serverWithLevels();
  const locating = { locate: () => ({ task, workerUrl }) } as unknown as Manager;
  await app.register(logsRoute, { manager: locating, workers: (url) => new WorkerClient(url) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

async function logs(url: string, accept?: string): Promise<[number, string | null, string]> {
  const res = await fetch(`${url}/tasks/web/logs`, accept === undefined ? {} : { headers: { accept } });
  return [res.status, res.headers.get('content-type'), await res.text()];
}

test('asked for each stream apart, the manager asks the worker so and passes its NDJSON on', async (t) => {
  const w = await worker(t, false);
  const m = await manager(t, w.url);
  assert.deepEqual(await logs(m, 'application/x-ndjson, text/plain;q=0.5'), [200, 'application/x-ndjson', LINES]);
  assert.deepEqual(w.accepts, ['application/x-ndjson']);
});

test('a worker older than that answers text, which goes on as text; an older client is answered text', async (t) => {
  const old = await worker(t, true);
  assert.deepEqual(await logs(await manager(t, old.url), 'application/x-ndjson'), [
    200,
    'text/plain; charset=utf-8',
    'out\nerr\n',
  ]);
  const w = await worker(t, false);
  assert.deepEqual(await logs(await manager(t, w.url), '*/*'), [200, 'text/plain; charset=utf-8', 'out\nerr\n']);
  assert.deepEqual(w.accepts, [undefined], 'the worker is asked for text');
});

test('an Accept that names neither type is refused 400, saying what to ask for, before the worker is called', async (t) => {
  const w = await worker(t, false);
  const [status, , body] = await logs(await manager(t, w.url), 'application/json');
  assert.equal(status, 400);
  assert.match(body, /accept is \\"application\/json\\"; ask for text\/plain .* or application\/x-ndjson/);
  assert.deepEqual(w.accepts, []);
});

test('a task with no container says whether it ever had one: a restarted one had, only its last try got none', async (t) => {
  const ended = { ...TASK, state: 'Failed', containerId: null, reason: 'image x:1 not found' };
  const [first, , never] = await logs(await manager(t, null, { ...ended, restarts: 0 }));
  assert.equal(first, 409);
  assert.match(never, /task web \(t1000000\) is Failed and never had a container \(image x:1 not found\)/);
  const [, , later] = await logs(await manager(t, null, { ...ended, restarts: 2 }));
  assert.match(later, /is Failed and its last try got no container \(image x:1 not found\); it has no logs/);
});
