import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ManagerTaskView } from '../../src/api/index.js';
import { joinCluster, type NodeCredentials } from '../../src/pki/index.js';
import type { ManagerAccess } from '../../testkit/manager-access.js';
import { spawnManager, type PoseidonProcess } from '../../testkit/spawner.js';
import { TEST_IMAGE } from '../integration/helpers/docker.js';
import { waitFor } from '../integration/helpers/wait-for.js';
import { admin, asNode, codeOf, joinedNode, messageOf, METRICS, registration, sender, type Send } from './helpers.js';

// Found on a real cluster: worker A, with its own certificate, registered as itself with worker
// B's URL (both on 127.0.0.1, where both certificates name the address), and the manager took it:
// a task placed on A was started on B. The manager now refuses a register of a URL a live node
// holds, and calls a node's URL only as that node: a server there whose certificate names another
// node gets nothing. A register of a URL a live node holds takes it when the server there presents
// the registering node's own certificate (the holder never answered there: it claimed it first), and
// the holder is Down, its beats refused until it registers a URL of its own. `localhost`, `127.0.0.1`
// and `[::1]` name one URL, and two registers of a URL at once cannot both take it.

/** A node's Worker API as a test sees it: its certificate, and every call it got. */
async function fakeWorker(
  creds: NodeCredentials,
): Promise<{ server: Server; url: string; calls: string[]; creds: NodeCredentials }> {
  const calls: string[] = [];
  const server = createServer(
    { key: creds.keyPem, cert: creds.certPem, ca: creds.caPem, requestCert: true },
    (req, res) => {
      calls.push(`${req.method ?? ''} ${req.url ?? ''}`);
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'unavailable', message: 'not this one' } }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, creds };
}

describe("a worker cannot take another worker's URL", () => {
  const dir = mkdtempSync(join(tmpdir(), 'poseidon-security-url-'));
  let manager: PoseidonProcess;
  let send: Send;
  let access: ManagerAccess;
  let a: NodeCredentials;
  let b: NodeCredentials;
  let bWorker: Awaited<ReturnType<typeof fakeWorker>>;
  let cWorker: Awaited<ReturnType<typeof fakeWorker>>;

  before(async () => {
    const started = await spawnManager(join(dir, 'm'), ['--heartbeat-grace', '10m']);
    manager = started.process;
    access = started.access;
    send = sender(admin(started.access));
    [a, b] = await Promise.all([joinedNode(started.access), joinedNode(started.access)]);
    bWorker = await fakeWorker(b);
  });
  after(async () => {
    await manager?.kill();
    bWorker?.server.close();
    cWorker?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a register with the URL a live node registered is refused, naming that node', async () => {
    const asB = await sender(asNode(b))(
      'POST',
      `${manager.url}/nodes/register`,
      registration('url-b', { nodeId: b.info.nodeId, url: bWorker.url }),
    );
    assert.equal(asB.status, 200, JSON.stringify(asB.body));
    const asA = await sender(asNode(a))(
      'POST',
      `${manager.url}/nodes/register`,
      registration('url-a', { nodeId: a.info.nodeId, url: bWorker.url }),
    );
    assert.equal(asA.status, 409, JSON.stringify(asA.body));
    assert.equal(codeOf(asA), 'node_url_taken');
    assert.match(messageOf(asA), new RegExp(`node url-b \\(${b.info.nodeId}\\), which is up, registered`));
    // B may register again at its URL (a restart)
    const again = await sender(asNode(b))(
      'POST',
      `${manager.url}/nodes/register`,
      registration('url-b', { nodeId: b.info.nodeId, url: bWorker.url }),
    );
    assert.equal(again.status, 200, JSON.stringify(again.body));
  });

  test("a node whose URL another node's worker answers at gets nothing sent there", async () => {
    // C joins and listens; A registers C's URL before C does (the register cannot tell who listens)
    const c = await joinedNode(access);
    cWorker = await fakeWorker(c);
    const asA = await sender(asNode(a))(
      'POST',
      `${manager.url}/nodes/register`,
      registration('url-a', { nodeId: a.info.nodeId, url: cWorker.url }),
    );
    assert.equal(asA.status, 200, JSON.stringify(asA.body));
    const submitted = await send('POST', `${manager.url}/tasks`, {
      name: 'for-a',
      image: TEST_IMAGE,
      constraints: ['node.name == url-a'],
    });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const id = (submitted.body as ManagerTaskView).id;
    await waitFor(() => manager.output.some((l) => l.includes(id) && l.includes('presents node')), {
      what: 'the manager refusing the server at the URL',
    });
    const said = manager.output.find((l) => l.includes(id) && l.includes('presents node')) ?? '';
    assert.ok(
      said.includes(
        `the server at ${cWorker.url} presents node ${c.info.nodeId}'s certificate, not ${a.info.nodeId}'s`,
      ),
      said,
    );
    assert.deepEqual(cWorker.calls, [], "C's worker got no call");
    const task = (await send('GET', `${manager.url}/tasks/${id}`)).body as ManagerTaskView;
    assert.notEqual(task.state, 'Running');
  });
  test('the worker whose certificate the server at the URL presents takes it from the node that claimed it first', async () => {
    // A holds C's URL (the test before): C registers it, and the server there presents C's certificate
    const c = cWorker.creds;
    const asC = await sender(asNode(c))(
      'POST',
      `${manager.url}/nodes/register`,
      registration('url-c', { nodeId: c.info.nodeId, url: cWorker.url }),
    );
    assert.equal(asC.status, 200, JSON.stringify(asC.body));
    const nodes = (await send('GET', `${manager.url}/nodes`)).body as Array<{ name: string; state: string }>;
    assert.equal(nodes.find((n) => n.name === 'url-a')?.state, 'Down');
    assert.equal(nodes.find((n) => n.name === 'url-c')?.state, 'Up');
    // A's beats are refused (its worker registers again), and its register of C's URL is refused, saying why
    const beat = await sender(asNode(a))('POST', `${manager.url}/nodes/${a.info.nodeId}/heartbeat`, {
      metrics: METRICS,
      tasks: [],
    });
    assert.equal(beat.status, 404, JSON.stringify(beat.body));
    assert.equal(codeOf(beat), 'node_not_found');
    assert.match(
      messageOf(beat),
      new RegExp(`^node ${a.info.nodeId} is Down: its URL ${cWorker.url} is node url-c \\(${c.info.nodeId}\\)'s`),
    );
    const again = await sender(asNode(a))(
      'POST',
      `${manager.url}/nodes/register`,
      registration('url-a', { nodeId: a.info.nodeId, url: cWorker.url }),
    );
    assert.equal(again.status, 409, JSON.stringify(again.body));
    assert.match(
      messageOf(again),
      new RegExp(`the server there presents node ${c.info.nodeId}'s certificate, not ${a.info.nodeId}'s`),
    );
  });

  test("localhost, 127.0.0.1 and [::1] name one URL: another spelling of a live node's URL is refused", async () => {
    // a node whose certificate names this host by each of its loopback names (a worker's may)
    const d = await joinCluster({
      managerUrl: access.url,
      token: access.joinToken,
      addresses: ['127.0.0.1', 'localhost', '::1'],
    });
    const port = new URL(bWorker.url).port;
    for (const host of ['localhost', '[::1]', '127.0.0.1.']) {
      const asD = await sender(asNode(d))(
        'POST',
        `${manager.url}/nodes/register`,
        registration('url-d', { nodeId: d.info.nodeId, url: `https://${host}:${port}` }),
      );
      assert.equal(asD.status, 409, `${host}: ${JSON.stringify(asD.body)}`);
      assert.equal(codeOf(asD), 'node_url_taken');
    }
  });

  test('two registers of one free URL at once: one takes it, the other is refused', async () => {
    // rounds of two nodes racing for a URL nothing listens at (neither can show it is theirs)
    for (let round = 0; round < 5; round++) {
      const [d, e] = await Promise.all([joinedNode(access), joinedNode(access)]);
      const url = `https://127.0.0.1:${10_000 + round}`;
      const answers = await Promise.all(
        [d, e].map((n, i) =>
          sender(asNode(n))(
            'POST',
            `${manager.url}/nodes/register`,
            registration(`race-${round}-${i}`, { nodeId: n.info.nodeId, url }),
          ),
        ),
      );
      assert.deepEqual(answers.map((x) => x.status).sort(), [200, 409], JSON.stringify(answers.map((x) => x.body)));
      const refused = answers.find((x) => x.status === 409);
      assert.match(
        refused === undefined ? '' : messageOf(refused),
        /the manager could not reach it to see whose it is/,
      );
    }
  });
});
