import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ClusterCa,
  formatJoinToken,
  newJoinSecret,
  newKeyAndCsr,
  parseJoinToken,
  publicKeyOfCsr,
} from '../../src/pki/index.js';
import { runPoseidon } from '../../testkit/spawner.js';
import { TestCluster } from '../integration/helpers/cluster.js';

// Joining a cluster with a join token, as `poseidon worker --manager URL --join-token TOKEN` does:
// the node checks the manager's CA against the token before it sends anything, a rotated token
// joins no one, and nodes that joined keep working.

/** An HTTPS server that answers GET /ca with its own CA and records every request it gets. */
async function recordingManager(): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const { ca } = await ClusterCa.create(Date.now());
  const { keyPem, csrPem } = await newKeyAndCsr();
  const cert = await ca.issue({
    publicKey: await publicKeyOfCsr(csrPem),
    nodeId: '00000000-0000-4000-8000-000000000000',
    role: 'manager',
    addresses: ['127.0.0.1'],
    notBeforeMs: Date.now() - 60_000,
    notAfterMs: Date.now() + 3_600_000,
  });
  const requests: string[] = [];
  const server = createServer({ key: keyPem, cert }, (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.url === '/ca') res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(ca.certPem);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('joining with a join token', () => {
  const c = new TestCluster();
  // roundrobin: tasks alternate between the nodes, so each one is seen to run some
  before(() => c.startManager(['--scheduler', 'roundrobin']));
  after(() => c.close());

  test('a token that pins another CA sends nothing but GET /ca, and the worker does not start', async () => {
    const impostor = await recordingManager();
    try {
      // the real cluster's token, shown a manager whose CA is not the one it pins
      const run = await runPoseidon(
        [
          'worker',
          '--port',
          '0',
          '--name',
          c.workerName('lost'),
          '--data-dir',
          join(c.dir, 'lost'),
          '--manager',
          impostor.url,
        ],
        { POSEIDON_JOIN_TOKEN: c.access.joinToken },
      );
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /the join token expects sha256:[0-9a-f]{16}…: the token is for another cluster/);
      assert.ok(!run.stderr.includes(parseJoinToken(c.access.joinToken).secret), 'the secret is never printed');
      assert.deepEqual(impostor.requests, ['GET /ca'], 'nothing but the CA was asked for; no CSR, no secret');
    } finally {
      await impostor.close();
    }
  });

  test('a token of another cluster is refused by the worker before it joins the real manager', async () => {
    const other = formatJoinToken({ caHash: 'e'.repeat(64), secret: newJoinSecret() });
    const run = await runPoseidon(
      [
        'worker',
        '--port',
        '0',
        '--name',
        c.workerName('other'),
        '--data-dir',
        join(c.dir, 'other'),
        '--manager',
        c.manager.url,
      ],
      { POSEIDON_JOIN_TOKEN: other },
    );
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /another cluster/);
    assert.deepEqual(await c.client.listNodes(), []);
  });

  test('a worker without a token and without a certificate says how to join, and does not start', async () => {
    const run = await runPoseidon([
      'worker',
      '--port',
      '0',
      '--name',
      c.workerName('none'),
      '--data-dir',
      join(c.dir, 'none'),
      '--manager',
      c.manager.url,
    ]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /no valid certificate of a cluster: start it with --manager .* --join-token TOKEN/);
  });

  test('a worker started from a config file that has no token is told the keys to set in that file', async () => {
    const config = join(c.dir, 'worker.yaml');
    const dataDir = join(c.dir, 'from-file');
    const name = c.workerName('from-file');
    await writeFile(config, `name: ${name}\nport: 0\ndata-dir: ${dataDir}\nmanager: ${c.manager.url}\n`);
    const run = await runPoseidon(['worker', '--config', config]);
    assert.notEqual(run.code, 0);
    assert.equal(
      run.stderr,
      'poseidon: this worker has no valid certificate of a cluster: set manager: https://MANAGER:5555 and ' +
        `join-token: TOKEN in ${config}, or start it with --manager https://MANAGER:5555 --join-token TOKEN ` +
        "(the token is in the manager's data dir, file join-token; POSEIDON_JOIN_TOKEN=TOKEN keeps it out of the file)\n",
    );
  });

  test('token rotate join: the old token joins no one, the new one does, and joined nodes keep working', async () => {
    await c.startWorker('before');
    const old = c.access.joinToken;
    const rotated = await c.cli(['token', 'rotate', 'join']);
    assert.equal(rotated.code, 0, rotated.stderr);
    const fresh = rotated.stdout.trim();
    assert.notEqual(fresh, old);
    assert.equal(parseJoinToken(fresh).caHash, parseJoinToken(old).caHash, 'the same CA');
    const refused = await runPoseidon(
      [
        'worker',
        '--port',
        '0',
        '--name',
        c.workerName('late'),
        '--data-dir',
        join(c.dir, 'late'),
        '--manager',
        c.manager.url,
      ],
      { POSEIDON_JOIN_TOKEN: old },
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /the join token is not valid for this cluster/);
    // what to do is about the join token, not the API token a refused CLI call is told of
    assert.match(refused.stderr, /use the current one, from the manager's <data-dir>\/join-token/);
    assert.doesNotMatch(refused.stderr, /poseidon login/);
    c.access.joinToken = fresh; // what the next worker is given
    await c.startWorker('after');
    // the node that joined with the old token still runs tasks
    const ids = await c.submitMany('rotated', 4);
    const running = await c.allInState(ids, 'Running');
    assert.deepEqual(new Set(running.map((t) => t.node)), new Set([c.workerName('before'), c.workerName('after')]));
    const nodes = await c.client.listNodes();
    assert.deepEqual(
      nodes.map((n) => [n.name, n.state]),
      [
        [c.workerName('after'), 'Up'],
        [c.workerName('before'), 'Up'],
      ],
    );
  });

  test('a worker that joined restarts on its certificate alone, as the same node', async () => {
    const first = await c.nodeCredentials('before');
    const port = new URL(c.workers.get('before')?.url ?? '').port;
    await c.workers.get('before')?.kill();
    c.access.joinToken = ''; // no token at all: the certificate in its data dir is enough
    await c.startWorker('before', [], port);
    const again = await c.nodeCredentials('before');
    assert.equal(again.nodeId, first.nodeId);
    assert.equal(again.cert, first.cert, 'no new certificate was needed');
  });
});
