import assert from 'node:assert/strict';
import { request } from 'node:https';
import { test, type TestContext } from 'node:test';
import { forwardToLeader, type GroupView, type ReadCopy } from '../../../../src/manager/group/forward.js';
import { serverWithLevels } from '../../../../testkit/stopping-server.js';
import { loopbackTls, testCluster, type TestCert } from '../../../../testkit/test-tls.js';

// While etcd lacks a majority a follower's watch brings nothing, not even the expiry of the
// leader key: the leader it saw last may be long dead. A worker calling it was sent there
// (`not_leader` with the dead leader's URL); now a follower out of touch with etcd says it cannot
// tell who leads (`store_unavailable`, no URL), and the worker's client tries the next manager.
// Every manager answers `GET /status` itself, leader or none.

/** A leader URL nothing answers at (a port of the discard service on loopback: refused). */
const DEAD = { id: 'dead-leader', url: 'https://127.0.0.1:9' };

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { error?: { code: string; message: string; leader?: string }; answeredHere?: boolean };
}

async function follower(
  t: TestContext,
  group: GroupView,
): Promise<{ call(path: string, cert?: boolean | TestCert): Promise<Answer> }> {
  const cluster = await testCluster();
  const tls = { ...(await cluster.issue('manager')), ca: cluster.ca };
  const worker = await cluster.issue('worker');
  const copy: ReadCopy = { ready: true, revision: 7n, waitFor: () => Promise.resolve(true) };
  const { app } = serverWithLevels(tls, (log) => forwardToLeader({ group, caPem: tls.ca, copy, log }));
  app.post('/nodes/:id/heartbeat', async () => assert.fail('a follower passes a heartbeat on'));
  app.get('/tasks/:id/logs', async () => assert.fail('a follower passes logs on'));
  app.get('/status', async () => ({ answeredHere: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  const port = (app.server.address() as { port: number }).port;
  /** `cert`: the worker's certificate of this cluster (true), or the one given. */
  const call = (path: string, cert: boolean | TestCert = false): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const method = path.endsWith('heartbeat') ? 'POST' : 'GET';
      const shown = cert === true ? worker : cert === false ? undefined : cert;
      const client = shown === undefined ? {} : { cert: shown.cert, key: shown.key };
      request(`https://127.0.0.1:${port}${path}`, { method, ca: tls.ca, ...client }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as Answer['body'] }),
        );
      })
        .on('error', reject)
        .end(method === 'POST' ? '{}' : undefined);
    });
  return { call };
}

function groupOf(inTouch: boolean, leader: GroupView['leader']): GroupView {
  return {
    leading: false,
    inTouch,
    outOfTouchMs: () => (inTouch ? 0 : 12_000),
    leader,
    selfId: 'follower',
    onLeaderChange: () => undefined,
  };
}

test('a worker calling a follower in touch with etcd is sent to the leader it names', async (t) => {
  const { call } = await follower(t, groupOf(true, DEAD));
  const res = await call('/nodes/n1/heartbeat', true);
  assert.equal(res.status, 503);
  assert.equal(res.body.error?.code, 'not_leader');
  assert.equal(res.body.error?.leader, DEAD.url);
});

test("a certificate not of this cluster's CA learns no leader's URL: refused 401, as the leader would", async (t) => {
  const { call } = await follower(t, groupOf(true, DEAD));
  // a worker certificate of another cluster (its own CA): the handshake takes it, the hook must not
  const foreign = await loopbackTls('worker');
  const res = await call('/nodes/n1/heartbeat', foreign);
  assert.equal(res.status, 401);
  assert.equal(res.body.error?.code, 'unauthenticated');
  assert.equal(res.body.error?.leader, undefined);
  assert.ok(!JSON.stringify(res.body).includes(DEAD.url), JSON.stringify(res.body));
  assert.ok(!JSON.stringify(res.headers).includes(DEAD.url), JSON.stringify(res.headers));
});

test('a follower out of touch with etcd names no leader to a worker: it says it cannot tell, and the worker tries the next', async (t) => {
  const { call } = await follower(t, groupOf(false, DEAD));
  const res = await call('/nodes/n1/heartbeat', true);
  assert.equal(res.status, 503);
  assert.equal(res.body.error?.code, 'store_unavailable');
  assert.equal(res.body.error?.leader, undefined, 'no URL of a leader it cannot vouch for');
  assert.match(
    res.body.error?.message ?? '',
    /^this manager has not reached a majority of etcd's members for 12s, so it cannot tell which manager leads/,
  );
});

test("a call passed on to a leader that does not answer: out of touch, that, not 'an election is under way'", async (t) => {
  const cut = await follower(t, groupOf(false, DEAD));
  const away = await cut.call('/tasks/t1/logs');
  assert.equal(away.status, 503);
  assert.equal(away.body.error?.code, 'store_unavailable');
  assert.match(away.body.error?.message ?? '', /cannot tell which manager leads/);
  const electing = await follower(t, groupOf(true, null));
  const none = await electing.call('/tasks/t1/logs');
  assert.equal(none.body.error?.code, 'no_leader');
  assert.match(none.body.error?.message ?? '', /an election is under way/);
});

test('every manager answers GET /status itself, with a leader, without one, and cut off from etcd', async (t) => {
  for (const group of [groupOf(true, DEAD), groupOf(true, null), groupOf(false, DEAD)]) {
    const { call } = await follower(t, group);
    const res = await call('/status');
    assert.deepEqual([res.status, res.body], [200, { answeredHere: true }]);
    // the caller's token was checked against the copy: its revision, and out of touch how stale it may be
    assert.equal(res.headers['x-poseidon-copy-revision'], '7');
    assert.equal(res.headers['x-poseidon-copy-age'], group.inTouch ? undefined : '12');
  }
});
