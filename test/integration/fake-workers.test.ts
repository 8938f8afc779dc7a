import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import type { ManagerTaskView } from '../../src/api/index.js';
import { ManagerClient } from '../../src/client/index.js';
import { RunCleanup } from '../../testkit/cleanup.js';
import { FakeWorkerFleet } from '../../testkit/fake-worker-fleet.js';
import { FakeWorker } from '../../testkit/fake-worker.js';
import { spawnPoseidon } from '../../testkit/spawner.js';
import { newRunId } from './helpers/docker.js';
import { waitFor } from './helpers/wait-for.js';

// The testkit's fake worker joined to a real `poseidon manager` process the way `poseidon worker
// --manager` joins: listening on 127.0.0.1 in this process, and as a process of fake workers (as
// the submit and memory benchmarks run them). No containers: the fake driver holds them.

describe('fake workers joined to a real manager', () => {
  const cleanup = new RunCleanup(newRunId(), new Docker(), { processes: 'kill' });
  let client: ManagerClient;
  let local: FakeWorker;
  let fleet: FakeWorkerFleet;

  before(async () => {
    const dir = await cleanup.tempDir('poseidon-fake-workers-test');
    const manager = await spawnPoseidon(['manager', '--port', '0', '--data-dir', dir], {
      onSpawn: (p) => cleanup.trackProcess(p),
    });
    client = new ManagerClient(manager.url);
    local = new FakeWorker({ name: `local-${cleanup.runId}` });
    await local.listen();
    local.join(manager.url);
    fleet = await FakeWorkerFleet.start({
      managerUrl: manager.url,
      workers: 2,
      namePrefix: `fleet-${cleanup.runId}`,
      onSpawn: (p) => cleanup.trackProcess(p),
    });
    await waitFor(async () => (await client.listNodes()).filter((n) => n.state === 'Up').length === 3, {
      what: 'three fake workers Up',
    });
  });

  after(async () => {
    await local?.stop();
    await cleanup.release();
  });

  test('tasks are placed on them, reported Running with their fake containers, and stopped', async () => {
    const submitted: ManagerTaskView[] = [];
    for (let i = 0; i < 6; i++)
      submitted.push(
        await client.submit({ name: `fake-${i}`, image: 'poseidon/busybox:latest', labels: cleanup.labels }),
      );
    const running = await waitFor(
      async () => {
        const tasks = await Promise.all(submitted.map((t) => client.getTask(t.id)));
        return tasks.every((t) => t.state === 'Running') ? tasks : undefined;
      },
      { what: 'six tasks Running' },
    );
    assert.equal(new Set(running.map((t) => t.node)).size, 3, 'every worker got some');
    for (const t of running) assert.match(t.containerId ?? '', new RegExp(`^ctr-${t.id.slice(0, 8)}-g1`));

    const onLocal = running.filter((t) => t.node === local.name).map((t) => t.id);
    assert.deepEqual(
      onLocal.map((id) => local.driver.containersOf(id).length),
      onLocal.map(() => 1),
    );
    const reached = new Set((await fleet.dispatched()).map(([id]) => id));
    for (const t of running) assert.equal(reached.has(t.id), t.node !== local.name, `${t.id} on ${t.node}`);

    const stopped = onLocal[0];
    assert.ok(stopped !== undefined);
    await client.stopTask(stopped);
    await waitFor(async () => (await client.getTask(stopped)).state === 'Completed', { what: 'the stop done' });
    assert.deepEqual(local.driver.containersOf(stopped), [], 'its fake container is removed');
    await waitFor(async () => (await fleet.heartbeats()).sent > 0, { what: 'the fleet to beat' });
  });
});
