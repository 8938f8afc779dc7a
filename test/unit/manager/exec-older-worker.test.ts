import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { openExec } from '../../../src/cli/exec-action.js';
import { ManagerClient, WorkerClient } from '../../../src/client/index.js';
import { execRoutes } from '../../../src/manager/exec-routes.js';
import type { Manager } from '../../../src/manager/manager.js';
import { serverWithLevels } from '../../../testkit/stopping-server.js';
import { olderExec } from '../../helpers/older-exec.js';

// A manager newer than a task's worker: the worker refuses the exec fields it does not know
// (`detach`, for `exec -d`), as its schema refuses any unknown field. Passed on as it came, that
// refusal read as the manager's own, and the CLI told the user to upgrade the manager; the
// manager says it is the worker's, naming its node, and the CLI says so.

const TASK = {
  id: 't1000000-0000-4000-8000-000000000000',
  name: 'web-1',
  node: 'old-1',
  state: 'Running',
  containerId: 'ctr-1',
};

/** A worker from before `detach` and `encoding`: any other field than the command and its time is refused. */
async function olderWorker(t: TestContext): Promise<string> {
  const server = createServer(olderExec('{"stdout":"hi\\n"}\n{"exitCode":0}\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The manager's exec routes, the task on the worker at `workerUrl`, and GET /tasks/{id} for the CLI. */
async function manager(t: TestContext, workerUrl: string): Promise<string> {
  const { app } = serverWithLevels();
  const locating = { locate: () => ({ task: TASK, workerUrl }) } as unknown as Manager;
  await app.register(execRoutes, { manager: locating, workers: (url) => new WorkerClient(url) });
  app.get('/tasks/:id', () => TASK);
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

test("the manager answers an older worker's refusal of exec -d as the worker's, naming its node", async (t) => {
  const url = await manager(t, await olderWorker(t));
  const res = await fetch(`${url}/tasks/web-1/exec`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ command: ['sleep', '60'], detach: true }),
  });
  assert.equal(res.status, 409);
  assert.deepEqual(await res.json(), {
    error: {
      code: 'worker_too_old',
      message:
        'the worker on node old-1 (task web-1) is older than the manager and runs no exec with detach: ' +
        'upgrade that worker',
    },
  });
});

test('the CLI says exec -d was refused by the older worker on its node, not by an older manager', async (t) => {
  const client = new ManagerClient(await manager(t, await olderWorker(t)));
  await assert.rejects(
    openExec(
      client,
      'web-1',
      { command: ['sleep', '60'], encoding: 'base64', detach: true },
      new AbortController().signal,
    ),
    {
      code: 'worker_too_old',
      message:
        'the worker on node old-1 is older than this CLI and runs no exec with -d: upgrade it, or leave them out',
    },
  );
});

test('a plain exec through the manager to an older worker is asked again as text, and runs', async (t) => {
  const client = new ManagerClient(await manager(t, await olderWorker(t)));
  const { lines, encoding } = await openExec(
    client,
    'web-1',
    { command: ['echo', 'hi'], encoding: 'base64' },
    new AbortController().signal,
  );
  const got: unknown[] = [];
  for await (const l of lines) got.push(l);
  assert.equal(encoding, 'utf8');
  assert.deepEqual(got, [{ stdout: 'hi\n' }, { exitCode: 0 }]);
});
