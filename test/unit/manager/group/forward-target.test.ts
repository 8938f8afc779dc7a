import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { test, type TestContext } from 'node:test';
import { forwardToLeader, type GroupView } from '../../../../src/manager/group/forward.js';
import type { ServerTls } from '../../../../src/http/index.js';
import { serverWithLevels } from '../../../../testkit/stopping-server.js';
import { loopbackRoles } from '../../../../testkit/test-tls.js';

// A follower passes a call on to the leader etcd names, and to no one else, whatever the request
// line says. It once made the leader's URL the base of the request target, so a target of
// another authority (`GET //HOST:PORT/x`, or the absolute form `GET https://HOST:PORT/x`) sent
// the call, the caller's headers and body with it, to HOST:PORT: before any credentials were
// checked, anyone could make a follower connect to any address and port it reaches. Here a
// server of the cluster's CA (as a worker's is) stands for what the caller aims at: it must hear
// nothing, and the leader gets the call, whose path it answers 404. And the leader's certificate
// must be a manager's: a worker's of the cluster may name the leader's address too.

interface Heard {
  paths: string[];
}

async function listening(tls: ServerTls, heard: Heard, t: TestContext): Promise<number> {
  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    heard.paths.push(req.url ?? '');
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'not_found', message: `no route ${req.method} ${req.url}` } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return (server.address() as AddressInfo).port;
}

/** Sends `GET target` as written on the request line (a client library would normalise it), and the status. */
function rawGet(port: number, ca: string, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca }, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: close\r\n\r\n`);
    });
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

/** A follower whose leader (etcd says) is at `leaderPort`; its port. */
async function follower(t: TestContext, tls: ServerTls, leaderPort: number): Promise<number> {
  const group: GroupView = {
    leading: false,
    inTouch: true,
    outOfTouchMs: () => 0,
    leader: { id: 'leader', url: `https://127.0.0.1:${leaderPort}` },
    selfId: 'follower',
    onLeaderChange: () => undefined,
  };
  const { app } = serverWithLevels(tls, (log) => forwardToLeader({ group, caPem: tls.ca, log }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  return (app.server.address() as AddressInfo).port;
}

test('a follower passes a call on to the leader only, whatever authority its request line names', async (t) => {
  const tls = (await loopbackRoles()).manager;
  const leaderHeard: Heard = { paths: [] };
  const elsewhereHeard: Heard = { paths: [] };
  const leaderPort = await listening(tls, leaderHeard, t);
  const elsewherePort = await listening(tls, elsewhereHeard, t);
  const port = await follower(t, tls, leaderPort);

  const elsewhere = `127.0.0.1:${elsewherePort}`;
  for (const target of [`//${elsewhere}/tasks`, `https://${elsewhere}/tasks`, `//${elsewhere}`]) {
    const status = await rawGet(port, tls.ca, target);
    assert.equal(status, 404, `${target}: the leader's answer`);
  }
  assert.deepEqual(elsewhereHeard.paths, [], 'nothing but the leader is called');
  assert.deepEqual(
    leaderHeard.paths,
    [`//${elsewhere}/tasks`, `/https://${elsewhere}/tasks`, `//${elsewhere}`],
    'each call went to the leader, its target a path there',
  );
});

test("a follower passes nothing on to a leader's address whose certificate is a worker's", async (t) => {
  const roles = await loopbackRoles();
  const heard: Heard = { paths: [] };
  const port = await follower(t, roles.manager, await listening(roles.worker, heard, t));
  assert.equal(await rawGet(port, roles.manager.ca, '/tasks'), 503, 'answered as a leader that does not answer');
  assert.deepEqual(heard.paths, [], 'the worker got no call, and no token');
});
