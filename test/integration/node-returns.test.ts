import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ServiceTaskView } from '../../src/api/index.js';
import { TestCluster } from './helpers/cluster.js';
import { isRunning } from './helpers/docker.js';
import { liveTasks, serviceSpec, untilSettled } from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

// A replica that may run on one node alone (beside its slot's volume, or a global service's)
// waits for that node when its worker is killed (kill -9: its containers run on); the worker
// started again on its data dir lists them, and each replica keeps its container and generation.
// Real manager, two real workers, real Docker.

const SLEEP = { command: ['sleep', '600'] };

describe('a node back from Down keeps the containers of the replicas that waited for it', () => {
  const c = new TestCluster();
  before(async () => {
    await c.startManager(['--heartbeat-grace', '2s']);
    await c.startWorker('a');
    await c.startWorker('b');
  });
  after(() => c.close());

  test('kill -9 of a worker, Down, started again: the same containers, generation and node', async () => {
    const volumes = [{ name: `data-${c.runId}`, path: '/data' }];
    await c.client.createService(serviceSpec(c, 'db', { replicas: 2 }, { ...SLEEP, volumes }));
    await c.client.createService(serviceSpec(c, 'agent', { mode: 'global' }, SLEEP));
    const b = c.workerName('b');
    const onB = async (): Promise<ServiceTaskView[]> => {
      const db = (await untilSettled(c, 'db', 2)).filter((t) => t.node === b);
      const agent = (await untilSettled(c, 'agent', 2)).filter((t) => t.node === b);
      return [...db, ...agent];
    };
    const before = await onB();
    assert.equal(before.length, 2, 'one replica of each service on b');
    await waitFor(async () => ((await c.client.listVolumes()).length === 2 ? true : undefined), {
      what: "each slot's volume recorded on its node",
    });

    const worker = c.workers.get('b');
    const port = new URL(worker?.url ?? '').port;
    await worker?.kill(); // its containers keep running, as containers outlive their worker
    await waitFor(
      async () => {
        const live = [...(await liveTasks(c, 'db')), ...(await liveTasks(c, 'agent'))];
        const waiting = before.map((t) => live.find((x) => x.id === t.id));
        return waiting.every((t) => t?.state === 'Pending') ? true : undefined;
      },
      { timeoutMs: 60_000, what: "b's replicas waiting for b" },
    );
    for (const t of before) assert.equal(await isRunning(t.containerId ?? ''), true, 'its container ran on');

    await c.startWorker('b', [], port);
    const back = await waitFor(
      async () => {
        const now = await Promise.all(before.map((t) => c.client.getTask(t.id)));
        return now.every((t) => t.state === 'Running') ? now : undefined;
      },
      { timeoutMs: 60_000, what: "b's replicas running again" },
    );
    assert.deepEqual(
      back.map((t) => [t.node, t.generation, t.containerId]),
      before.map((t) => [b, t.generation, t.containerId]),
      'the same containers, adopted',
    );
    for (const t of before) assert.equal(await isRunning(t.containerId ?? ''), true);
  });
});
