import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { WorkerClient } from '../../../src/client/index.js';
import { archiveRoutes } from '../../../src/manager/archive-routes.js';
import { COPY_STOPPED } from '../../../src/manager/stopped-streams.js';
import type { Manager } from '../../../src/manager/manager.js';
import { assertQuiet, assertStoppedFirst, call, serverWithLevels } from '../../../testkit/stopping-server.js';

// `poseidon cp` out of a task while the manager stops (SIGTERM): the archive the worker streams
// through the manager is cut off (ended early it would read as a whole one), or, not answered yet
// by the worker, answered 503 server_stopping saying so; never a 500 'internal error' with a stack
// in the manager's log.

const TASK = { id: 't1000000-0000-4000-8000-000000000000', name: 'web', state: 'Running', containerId: 'ctr-1' };

/** The "worker": sends a block of the archive and holds, or (`quiet`) does not answer. */
async function worker(t: TestContext, quiet: boolean): Promise<{ url: string; arrived: Promise<void> }> {
  const held: ServerResponse[] = [];
  let arrive!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const server = createServer((_req, res) => {
    held.push(res);
    arrive();
    if (quiet) return;
    res.writeHead(200, { 'content-type': 'application/x-tar' });
    res.write(Buffer.alloc(512, 'a'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrived };
}

/** The manager's archive routes, the task held by the worker at `workerUrl`. */
async function manager(
  t: TestContext,
  workerUrl: string,
): Promise<{ url: string; levels: number[]; close(): Promise<void> }> {
  const { app, levels } = serverWithLevels();
  const locating = { locate: () => ({ task: TASK, workerUrl }) } as unknown as Manager;
  await app.register(archiveRoutes, { manager: locating, workers: (url) => new WorkerClient(url) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => (closed ??= app.close());
  t.after(close);
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, levels, close };
}

test('a stopping manager cuts off an archive it passes on: the copy is seen broken, not whole; no error logged', async (t) => {
  const w = await worker(t, false);
  const m = await manager(t, w.url);
  const copy = call(`${m.url}/tasks/web/archive?path=%2Fbig`);
  assert.equal(await copy.head, 200);
  await copy.first;
  await m.close();
  await assert.rejects(copy.body, { code: 'ECONNRESET' });
  assertQuiet(m.levels);
});

test('a stopping manager answers a copy the worker has not answered yet 503 server_stopping', async (t) => {
  const w = await worker(t, true);
  const m = await manager(t, w.url);
  const copy = call(`${m.url}/tasks/web/archive?path=%2Fbig`);
  await w.arrived;
  await m.close();
  await assertStoppedFirst(copy, COPY_STOPPED);
  assertQuiet(m.levels);
});
