import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { WorkerClient } from '../../src/client/index.js';
import { asManager } from '../../testkit/manager-access.js';
import { tlsFetch } from '../../testkit/tls-fetch.js';
import { countBy, TestCluster } from './helpers/cluster.js';
import { containersWithLabel } from './helpers/docker.js';
import { liveTasks, serviceSpec, untilSettled } from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

const run = promisify(execFile);

describe('services with a real manager and three real workers', () => {
  const c = new TestCluster();
  before(async () => {
    await c.startManager(['--task-history', '2', '--plain-task-history', '2']);
    for (const w of ['a', 'b', 'c']) await c.startWorker(w);
  });
  after(() => c.close());

  test('scale 0 -> 6 -> 2 -> 0: one task per slot, spread over the nodes, the highest slots removed', async () => {
    const created = await c.client.createService(serviceSpec(c, 'scale', { replicas: 0 }));
    assert.equal(created.replicas, 0);
    await c.client.scaleService('scale', 6);
    const six = await untilSettled(c, 'scale', 6);
    assert.deepEqual([...countBy(six, (t) => t.node ?? '-').values()], [2, 2, 2], 'two replicas on each node');
    const metrics = (
      await tlsFetch(`${c.manager.url}/metrics`, { tls: { ca: c.access.caPem }, token: c.token })
    ).text();
    assert.match(metrics, /^poseidon_service_replicas\{service="scale",kind="wanted"\} 6$/m);
    assert.match(metrics, /^poseidon_service_replicas\{service="scale",kind="healthy"\} 6$/m);
    const kept = six.filter((t) => t.slot <= 2).map((t) => t.id);
    await c.client.scaleService('scale', 2);
    const two = await untilSettled(c, 'scale', 2);
    assert.deepEqual(
      two.map((t) => t.id),
      kept,
      'slots 1 and 2 keep their tasks',
    );
    for (const gone of six.filter((t) => t.slot > 2)) {
      const ended = await c.client.getTask(gone.id);
      assert.equal(ended.state, 'Completed', 'the task of a removed slot has stopped');
      assert.equal(ended.reason, 'scaled down to 2', 'its reason says why, not "stopped on request"');
    }
    await c.client.scaleService('scale', 0);
    await untilSettled(c, 'scale', 0);
    const view = await c.client.getService('scale');
    assert.equal(view.version, 1, 'scaling is no new version');
    await c.client.removeService('scale');
  });

  test('a replica whose container is killed runs again in its slot', async () => {
    await c.client.createService(serviceSpec(c, 'killed', { replicas: 2 }));
    const [first] = await untilSettled(c, 'killed', 2);
    assert.ok(first?.containerId !== null && first !== undefined);
    await run('docker', ['kill', first.containerId]);
    const again = await waitFor(
      async () => {
        const live = await liveTasks(c, 'killed');
        const slot1 = live.find((t) => t.slot === 1);
        return slot1?.state === 'Running' && slot1.containerId !== first.containerId ? live : undefined;
      },
      { timeoutMs: 60_000, what: 'slot 1 running again in a new container' },
    );
    assert.equal(again.length, 2);
    await untilSettled(c, 'killed', 2);
    await c.client.removeService('killed');
  });

  test('bad input is refused naming the field, and changes nothing', async () => {
    const before = (await c.client.listServices()).map((s) => s.name);
    const refused = async (body: unknown, code: string, field?: RegExp): Promise<void> =>
      assert.rejects(c.client.createService(body), (err: { code?: string; message?: string }) => {
        assert.equal(err.code, code);
        if (field !== undefined) assert.match(err.message ?? '', field);
        return true;
      });
    await refused(serviceSpec(c, 'big', { replicas: 10_001 }), 'invalid_request', /^replicas /);
    await refused(serviceSpec(c, 'zero', { update: { parallelism: 0 } }), 'invalid_request', /^update\.parallelism /);
    await refused(serviceSpec(c, 'Bad_Name'), 'invalid_request', /^name /);
    await c.client.createService(serviceSpec(c, 'dup', { replicas: 1 }));
    await refused(serviceSpec(c, 'dup', { replicas: 3 }), 'service_exists');
    await assert.rejects(c.client.updateService('missing', serviceSpec(c, 'missing')), { code: 'service_not_found' });
    await assert.rejects(c.client.scaleService('dup', -1), { code: 'invalid_request' });
    const dup = await c.client.getService('dup');
    assert.equal(dup.replicas, 1);
    assert.deepEqual((await c.client.listServices()).map((s) => s.name).sort(), [...before, 'dup'].sort());
    await c.client.removeService('dup');
  });

  test('a constraint no node meets is accepted, and its replica waits Pending with the reason', async () => {
    await c.client.createService(serviceSpec(c, 'nowhere', { replicas: 1, constraints: ['node.labels.zone == mars'] }));
    const [t] = await waitFor(
      async () => {
        const live = await liveTasks(c, 'nowhere');
        return live.length === 1 && live[0]?.state === 'Pending' && live[0].reason.includes('zone') ? live : undefined;
      },
      { what: 'a Pending replica with the reason' },
    );
    assert.equal(t?.node, null);
    await c.client.removeService('nowhere');
  });

  test('a replica failing in a loop keeps --task-history ended tasks; older ones leave the manager and the worker', async () => {
    await c.client.createService(
      serviceSpec(c, 'loop', { replicas: 1 }, { command: ['sh', '-c', 'exit 1'], restartPolicy: { mode: 'never' } }),
    );
    const seen = new Set<string>();
    const tasks = async () => (await c.client.listTasks()).filter((t) => t.service === 'loop');
    // each replica fails at once and its slot gets a new task 2 s later: watch until five have come
    await waitFor(
      async () => {
        for (const t of await tasks()) seen.add(t.id);
        return seen.size >= 5 ? true : undefined;
      },
      { timeoutMs: 90_000, what: 'five replicas of loop, one after another' },
    );
    await c.client.scaleService('loop', 0);
    const kept = await waitFor(
      async () => {
        const now = await tasks();
        for (const t of now) seen.add(t.id);
        const ended = now.every((t) => t.desiredState === 'stopped' && ['Completed', 'Failed'].includes(t.state));
        return ended && now.length <= 2 ? now.map((t) => t.id) : undefined;
      },
      { what: 'loop scaled to 0 with at most 2 ended tasks kept' },
    );
    const forgotten = [...seen].filter((id) => !kept.includes(id));
    assert.ok(forgotten.length >= 3, `the oldest were forgotten: ${forgotten.length} of ${seen.size}`);
    // service ps shows what slot 1 keeps, under it; status --service lists the same
    const ps = await c.cli(['service', 'ps', 'loop']);
    assert.equal(ps.code, 0, ps.stderr);
    for (const id of kept)
      assert.match(ps.stdout, new RegExp(`^1 +\\\\_ ${id.slice(0, 8)} +1 +(Failed|Completed) `, 'm'));
    for (const id of forgotten) assert.doesNotMatch(ps.stdout, new RegExp(id.slice(0, 8)));
    const listed = JSON.parse((await c.cli(['status', '--service', 'loop', '--json'])).stdout) as Array<{ id: string }>;
    assert.deepEqual(listed.map((t) => t.id).sort(), [...kept].sort());
    for (const id of forgotten) await assert.rejects(c.client.getTask(id), { code: 'task_not_found' });
    // and the workers that ran them hold no record of them (they forget in the background)
    const onWorkers = async (): Promise<string[]> => {
      const ids: string[] = [];
      for (const w of c.workers.values()) {
        const client = new WorkerClient(w.url, 10_000, { tls: asManager(c.access) });
        ids.push(...(await client.listTasks()).map((t) => t.id));
      }
      return ids;
    };
    await waitFor(async () => ((await onWorkers()).some((id) => forgotten.includes(id)) ? undefined : true), {
      what: 'the workers forgot the forgotten replicas',
    });
    // a removed service's history goes whole
    await c.client.removeService('loop');
    await waitFor(async () => ((await tasks()).length === 0 ? true : undefined), {
      what: "the removed service's ended tasks forgotten",
    });
  });

  test('plain tasks past --plain-task-history are forgotten with their exited containers', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const t = await c.client.submit(c.task(`once-${i}`, { command: ['sh', '-c', 'echo done'] }));
      ids.push(t.id);
      await c.allInState([t.id], 'Completed'); // one after another: they end in this order
      assert.equal((await c.cli(['logs', t.id])).stdout, 'done\n', 'its exited container keeps its output');
    }
    const [first, second, third, fourth] = ids as [string, string, string, string];
    await waitFor(
      async () => {
        const gone = await Promise.all(
          [first, second].map((id) =>
            c.client.getTask(id).then(
              () => false,
              () => true,
            ),
          ),
        );
        return gone.every(Boolean) ? true : undefined;
      },
      { what: 'the first two plain tasks forgotten' },
    );
    for (const id of [third, fourth])
      assert.equal((await c.client.getTask(id)).state, 'Completed', 'the last two kept');
    await waitFor(
      async () => {
        const left = await Promise.all([first, second].map((id) => containersWithLabel('poseidon.task-id', id)));
        return left.flat().length === 0 ? true : undefined;
      },
      { what: "the forgotten tasks' containers removed" },
    );
    for (const id of [third, fourth]) assert.equal((await containersWithLabel('poseidon.task-id', id)).length, 1);
  });

  // last: it takes a worker away
  test('a worker killed has its replicas placed on the others', async () => {
    await c.client.createService(serviceSpec(c, 'moved', { replicas: 3 }));
    const three = await untilSettled(c, 'moved', 3);
    const lost = c.workerName('c');
    assert.ok(
      three.some((t) => t.node === lost),
      'a replica on worker c',
    );
    await c.workers.get('c')?.kill();
    const after = await waitFor(
      async () => {
        const live = await liveTasks(c, 'moved');
        const ok = live.length === 3 && live.every((t) => t.state === 'Running' && t.node !== lost);
        return ok ? live : undefined;
      },
      { timeoutMs: 60_000, what: 'every replica running on workers a and b' },
    );
    assert.deepEqual(after.map((t) => t.slot).sort(), [1, 2, 3]);
  });
});
