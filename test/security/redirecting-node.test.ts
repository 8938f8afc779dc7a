import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ManagerTaskView, WorkerTaskView } from '../../src/api/index.js';
import { TEST_IMAGE } from '../integration/helpers/docker.js';
import { waitFor } from '../integration/helpers/wait-for.js';
import { spawnManager, type PoseidonProcess } from '../../testkit/spawner.js';
import { admin, asNode, joinedNode, registration, report, sender, type Send } from './helpers.js';

// A node that joined (its certificate is good) answers the manager's calls with redirects to a
// local URL it wants fetched: the manager's own health route, or a server only the manager's
// host can reach. The manager follows none of them: a logs read through it fails, and the other
// server is never asked anything.

/** A task as a worker answers a start: running, in a container. */
function running(id: string, generation: number): WorkerTaskView {
  const now = new Date().toISOString();
  return {
    ...{ id, name: 'victim', image: TEST_IMAGE, command: [], state: 'Running', generation, containerId: 'c0ffee' },
    ...{ exitCode: null, reason: 'running', ports: [], cpu: 0, memory: 0, disk: 0, labels: {} },
    health: { status: 'none', failures: 0, lastOutput: '', lastCheckedAt: null },
    ...{ startedAt: now, finishedAt: null, updatedAt: now },
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('a node that answers with redirects cannot make the manager fetch another URL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'poseidon-security-redirect-'));
  let manager: PoseidonProcess;
  let send: Send;
  let secretHits = 0;
  const redirectsSent: string[] = [];
  const secret = createHttpServer((_req, res) => {
    secretHits += 1;
    res.end('SECRET-ONLY-THE-HOST-SHOULD-SEE');
  });
  let fakeNode: Server | undefined;
  let task: ManagerTaskView;

  before(async () => {
    const secretUrl = `http://127.0.0.1:${await listen(secret)}/internal`;
    const started = await spawnManager(join(dir, 'm'), ['--heartbeat-grace', '10m']);
    manager = started.process;
    send = sender(admin(started.access));
    const creds = await joinedNode(started.access);
    const sendAsNode = sender(asNode(creds));
    // it takes a dispatch as a worker does; every read the manager makes of it is a redirect
    fakeNode = createHttpsServer(
      { key: creds.keyPem, cert: creds.certPem, ca: creds.caPem, requestCert: true },
      (req, res) => {
        if (req.method === 'POST' && req.url?.startsWith('/tasks/batch') === true) {
          let body = '';
          req.on('data', (chunk: Buffer) => (body += chunk.toString()));
          req.on('end', () => {
            const { tasks } = JSON.parse(body) as { tasks: Array<{ spec: { id: string }; generation: number }> };
            const results = tasks.map((t) => ({ task: running(t.spec.id, t.generation) }));
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
          });
          return;
        }
        redirectsSent.push(`${req.method ?? ''} ${req.url ?? ''}`);
        res.writeHead(302, { location: secretUrl }).end();
      },
    );
    const port = await listen(fakeNode);
    const nodeId = creds.info.nodeId;
    const registered = await sendAsNode(
      'POST',
      `${manager.url}/nodes/register`,
      registration('redirector', { nodeId, url: `https://127.0.0.1:${port}` }),
    );
    assert.equal(registered.status, 200, JSON.stringify(registered.body));
    const submitted = await send('POST', `${manager.url}/tasks`, { name: 'victim', image: TEST_IMAGE });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const id = (submitted.body as ManagerTaskView).id;
    const placed = await waitFor(
      async () => {
        const t = (await send('GET', `${manager.url}/tasks/${id}`)).body as ManagerTaskView;
        return t.nodeId === nodeId && t.generation > 0 ? t : undefined;
      },
      { what: 'the task placed on the redirecting node' },
    );
    // the node says the task runs there, so a logs read goes to it
    const reported = await sendAsNode('POST', `${manager.url}/nodes/${nodeId}/reports`, {
      tasks: [
        report(id, { generation: placed.generation, containerId: 'c0ffee', startedAt: new Date().toISOString() }),
      ],
    });
    assert.equal(reported.status, 204, JSON.stringify(reported.body));
    task = await waitFor(
      async () => {
        const t = (await send('GET', `${manager.url}/tasks/${id}`)).body as ManagerTaskView;
        return t.state === 'Running' ? t : undefined;
      },
      { what: 'the task Running on the redirecting node' },
    );
  });
  after(async () => {
    await manager?.kill();
    fakeNode?.close();
    secret.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a logs read through the manager fails, and the redirect target is never fetched', async () => {
    const answer = await send('GET', `${manager.url}/tasks/${task.id}/logs`);
    assert.ok(
      redirectsSent.some((r) => r.startsWith(`GET /tasks/${task.id}/logs`)),
      `the manager asked the node for the logs (it got: ${redirectsSent.join(', ')})`,
    );
    assert.equal(answer.status, 502, 'a bad answer from the node, not its redirect');
    assert.doesNotMatch(JSON.stringify(answer.body), /SECRET/);
    assert.equal(secretHits, 0, 'the manager never followed the redirect');
  });

  test('a stats read through the manager fails too, and the target is still never fetched', async () => {
    const answer = await send('GET', `${manager.url}/tasks/${task.id}/stats`);
    assert.equal(answer.status, 502, 'a bad answer from the node, not its redirect');
    assert.doesNotMatch(JSON.stringify(answer.body), /SECRET/);
    assert.equal(secretHits, 0);
  });
});
