import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { forwardToLeader, type GroupView } from '../../../../src/manager/group/forward.js';
import { COPY_STOPPED, EVENTS_STOPPED, EXEC_STOPPED, LOGS_STOPPED } from '../../../../src/manager/stopped-streams.js';
import { assertQuiet, assertStoppedFirst, call, serverWithLevels } from '../../../../testkit/stopping-server.js';
import { loopbackTls } from '../../../../testkit/test-tls.js';

// A follower of a manager group passes `logs`, `exec`, `events` and `cp` on to the leader. When
// the follower stops (SIGTERM), it ends them as the leader ends its own (src/manager/stopped-streams.ts):
// whole, exec's with its last line, an archive cut off; one the leader has not answered yet is a
// 503 server_stopping saying so. Nothing of it is logged as an error.

const TASK = 't1000000-0000-4000-8000-000000000000';
const EXEC = { method: 'POST', path: `/tasks/${TASK}/exec`, body: { command: ['sh'] } } as const;
const EVENTS = { method: 'GET', path: '/events' } as const;
const LOGS = { method: 'GET', path: `/tasks/${TASK}/logs?follow=true` } as const;
const ARCHIVE = { method: 'GET', path: `/tasks/${TASK}/archive?path=%2Fbig` } as const;

type Call = typeof EXEC | typeof EVENTS | typeof LOGS | typeof ARCHIVE;

/**
 * The "leader" over TLS: exec's output and the events end in half a line, logs in a whole one,
 * an archive sends a block; each then holds. `quiet`: it answers nothing; `headers`: an archive's
 * status line and headers alone, then it holds (its worker has not sent the first block yet).
 */
async function leader(
  t: TestContext,
  quiet: boolean,
  headers = false,
): Promise<{ url: string; ca: string; arrived: Promise<void>; held: ServerResponse[] }> {
  const tls = await loopbackTls('manager');
  const held: ServerResponse[] = [];
  let arrive!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    held.push(res);
    req.resume();
    arrive();
    if (quiet) return;
    const path = req.url?.split('?')[0];
    if (headers) return void res.writeHead(200, { 'content-type': 'application/x-tar' }).flushHeaders();
    if (path === EXEC.path) res.writeHead(200).write('{"stdout":"first"}\n{"stdout":"cut');
    else if (path === EVENTS.path) res.writeHead(200).write('{"type":"task.started"}\n{"type":"ta');
    else if (path === `/tasks/${TASK}/logs`) res.writeHead(200).write('a line\n');
    else res.writeHead(200).write(Buffer.alloc(512, 'a'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, ca: tls.ca, arrived, held };
}

/** The follower: every call passed on to the leader `up`; its routes never run here. */
async function follower(
  t: TestContext,
  up: { url: string; ca: string },
): Promise<{ url: string; levels: number[]; close(): Promise<void> }> {
  const group: GroupView = {
    leading: false,
    inTouch: true,
    outOfTouchMs: () => 0,
    leader: { id: 'leader', url: up.url },
    selfId: 'follower',
    onLeaderChange: () => undefined,
  };
  const { app, levels } = serverWithLevels(undefined, (log) => forwardToLeader({ group, caPem: up.ca, log }));
  // the manager's routes, which the follower's hook tells apart by their patterns
  const never = async (): Promise<never> => assert.fail('the follower passes this call on');
  for (const route of ['/events', '/tasks/:id/logs', '/tasks/:id/archive']) app.get(route, never);
  app.post('/tasks/:id/exec', never);
  await app.listen({ host: '127.0.0.1', port: 0 });
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => (closed ??= app.close());
  t.after(close);
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, levels, close };
}

const send = (url: string, c: Call): ReturnType<typeof call> =>
  call(`${url}${c.path}`, c.method, 'body' in c ? c.body : undefined);

for (const [c, what, whole] of [
  [EXEC, 'exec', `{"stdout":"first"}\n${JSON.stringify({ error: EXEC_STOPPED })}\n`],
  [EVENTS, 'events', '{"type":"task.started"}\n'],
  [LOGS, 'logs -f', 'a line\n'],
] as const)
  test(`a stopping follower ends ${what} passed on whole, never inside a line; no error logged`, async (t) => {
    const f = await follower(t, await leader(t, false));
    const answer = send(f.url, c);
    assert.equal(await answer.head, 200);
    await answer.first;
    await f.close();
    assert.equal(await answer.body, whole);
    assertQuiet(f.levels);
  });

test('a stopping follower cuts off an archive passed on: the copy is seen broken, not whole', async (t) => {
  const f = await follower(t, await leader(t, false));
  const copy = send(f.url, ARCHIVE);
  assert.equal(await copy.head, 200);
  await copy.first;
  await f.close();
  await assert.rejects(copy.body, { code: 'ECONNRESET' });
  assertQuiet(f.levels);
});

for (const [c, message] of [
  [EXEC, EXEC_STOPPED],
  [EVENTS, EVENTS_STOPPED],
  [LOGS, LOGS_STOPPED],
  [ARCHIVE, COPY_STOPPED],
] as const)
  test(`a stopping follower answers ${c.path.split('?')[0]} the leader has not answered yet 503`, async (t) => {
    const up = await leader(t, true);
    const f = await follower(t, up);
    const answer = send(f.url, c);
    await up.arrived;
    await f.close();
    await assertStoppedFirst(answer, message);
    assertQuiet(f.levels);
  });

/** Once the follower has had the leader's status line and headers for `path` (node's http client says so). */
function answeredToFollower(path: string): Promise<void> {
  return new Promise((resolve) => {
    const seen = (message: unknown): void => {
      const { request } = message as { request: { path: string } };
      if (!request.path.startsWith(path)) return;
      diagnostics.unsubscribe('http.client.response.finish', seen);
      resolve();
    };
    diagnostics.subscribe('http.client.response.finish', seen);
  });
}

/** A copy passed on, once the follower has had the leader's status line and headers for it and nothing more. */
async function archiveHeadersOnly(t: TestContext): Promise<{
  up: Awaited<ReturnType<typeof leader>>;
  f: Awaited<ReturnType<typeof follower>>;
  copy: ReturnType<typeof send>;
}> {
  const up = await leader(t, false, true);
  const f = await follower(t, up);
  const answered = answeredToFollower(ARCHIVE.path.split('?')[0] ?? '');
  const copy = send(f.url, ARCHIVE);
  await answered;
  return { up, f, copy };
}

test('an archive whose headers alone came from the leader is answered 503 when the follower stops, not cut off', async (t) => {
  const { f, copy } = await archiveHeadersOnly(t);
  await f.close();
  await assertStoppedFirst(copy, COPY_STOPPED);
  assertQuiet(f.levels);
});

test('an archive whose headers alone came from a leader that then went is answered 503 no_leader', async (t) => {
  const { up, f, copy } = await archiveHeadersOnly(t);
  for (const res of up.held) res.destroy();
  assert.equal(await copy.head, 503);
  assert.equal((JSON.parse(await copy.body) as { error: { code: string } }).error.code, 'no_leader');
  assertQuiet(f.levels);
});
