import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:tls';
import { after, describe, test } from 'node:test';
import { join } from 'node:path';
import { adminClient } from '../../testkit/manager-access.js';
import { spawnManager, type PoseidonProcess } from '../../testkit/spawner.js';
import { TestCluster } from './helpers/cluster.js';
import { isRunning, TEST_IMAGE } from './helpers/docker.js';
import { waitFor } from './helpers/wait-for.js';

// What systemd does to stop a service (install-units): SIGTERM, and SIGKILL if it has not exited
// by TimeoutStopSec. The manager finishes the writes in flight and answers 503 to new ones; a
// worker stops reporting and leaves its containers running; both exit 0 within 10 s (issue 17).

/** The bound on a clean stop: the spawner's SIGKILL comes after it, and a killed process has no exit code. */
const STOP_WITHIN_MS = 10_000;

/** SIGTERM to the process, by its pid, as systemd sends it; resolves with its exit code once it has exited. */
async function terminate(p: PoseidonProcess): Promise<number | null> {
  await p.stop(); // SIGTERM, SIGKILL only after the grace the process was spawned with
  return p.exitCode;
}

describe('SIGTERM stops Poseidon cleanly', () => {
  const c = new TestCluster();
  after(() => c.close());

  test('the manager finishes a write in flight, answers 503 to a new one, exits 0, and the write is durable', async () => {
    const dataDir = join(c.dir, 'lone-manager');
    // SIGKILL after the bound: a manager still up by then has no exit code, and fails the test
    const spawnOpts = { stopGraceMs: STOP_WITHIN_MS, onSpawn: (p: PoseidonProcess) => c.track(p) };
    const started = await spawnManager(dataDir, [], spawnOpts);
    const url = new URL(started.process.url);
    const socket = connect({ host: url.hostname, port: Number(url.port), ca: started.access.caPem });
    await once(socket, 'secureConnect');
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const closed = once(socket, 'close');
    const head = (body: string, extra = ''): string =>
      'POST /tasks HTTP/1.1\r\nHost: manager\r\n' +
      `Authorization: Bearer ${started.access.adminToken}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n`;
    const first = JSON.stringify({ name: 'in-flight', image: TEST_IMAGE, labels: { 'poseidon.test-run': c.runId } });
    // the first write's head, asking to go on: the manager's "100 Continue" says it has taken the request in
    socket.write(head(first, 'Expect: 100-continue\r\n'));
    await waitFor(() => text.startsWith('HTTP/1.1 100 Continue'), { what: 'the manager to take the request in' });
    const stopped = terminate(started.process);
    await waitFor(() => started.process.output.some((l) => l.includes('shutting down')), { what: 'SIGTERM' });
    // the first body, and a second write behind it on the same connection
    const second = JSON.stringify({ name: 'too-late', image: TEST_IMAGE });
    socket.write(first + head(second) + second);
    await closed;
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    assert.match(text, /\{"error":\{"code":"server_stopping",/);
    assert.deepEqual(statuses, [100, 201, 503], text);
    assert.equal(await stopped, 0, started.process.output.slice(-20).join('\n'));

    // the 201 meant durable: a manager started again on the same data dir has the task, and not the refused one
    const again = await spawnManager(dataDir, [], spawnOpts);
    try {
      const names = (await adminClient(again.access).listTasks()).map((t) => t.name);
      assert.deepEqual(names, ['in-flight']);
    } finally {
      assert.equal(await terminate(again.process), 0);
    }
  });

  test('a manager with an event stream open (poseidon events) ends it, and exits 0', async () => {
    const dataDir = join(c.dir, 'streaming-manager');
    const spawnOpts = { stopGraceMs: STOP_WITHIN_MS, onSpawn: (p: PoseidonProcess) => c.track(p) };
    const started = await spawnManager(dataDir, [], spawnOpts);
    const client = adminClient(started.access);
    const events = await client.events();
    let ended = false;
    events.on('end', () => (ended = true)).resume();
    // a stream never ends by itself: before the fix the manager waited for it until SIGKILL
    assert.equal(await terminate(started.process), 0, started.process.output.slice(-20).join('\n'));
    await waitFor(() => ended, { what: 'the events stream to end' });
  });

  test('a worker stops reporting, leaves its container running, and exits 0', async () => {
    await c.startManager(['--heartbeat-grace', '2s', '--restart-grace', '2s']);
    const worker = await c.startWorker('w1');
    const task = await c.client.submit(c.task('outlives'));
    const [running] = await c.allInState([task.id], 'Running');
    const containerId = running?.containerId ?? '';
    assert.equal(await isRunning(containerId), true);
    // stopped with the bound, by pid (the cluster's cleanup would SIGKILL it at once)
    process.kill(worker.pid, 'SIGTERM');
    await waitFor(() => !worker.isAlive(), { timeoutMs: STOP_WITHIN_MS, what: 'the worker to exit' });
    assert.equal(worker.exitCode, 0, worker.output.slice(-20).join('\n'));
    // it said it is restarting and reports no more: past the restart grace the manager marks its
    // node Down; the container is not touched
    const name = c.workerName('w1');
    await waitFor(async () => (await c.client.listNodes()).find((n) => n.name === name)?.state === 'Down', {
      what: 'the node Down',
    });
    assert.equal(await isRunning(containerId), true);
  });
});
