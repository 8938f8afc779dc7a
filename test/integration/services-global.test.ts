import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ServiceTaskView } from '../../src/api/index.js';
import { TestCluster } from './helpers/cluster.js';
import { isRunning, TEST_IMAGE } from './helpers/docker.js';
import { liveTasks, serviceSpec, untilRolloutEnds } from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

// Global services (`--mode global`) with a real manager and real workers over mutual TLS: one
// replica on each node, a node that joins gets one (and one of a service whose constraint its
// label meets), a drained node's replica stops and comes back to its slot when activated, an
// update rolls out over every node, and a global service cannot be scaled. Then placement
// preferences on the same nodes: replicas spread over a label's values before nodes.

const SLEEP = { command: ['sleep', '600'] };

describe('global services and placement preferences with a real manager and real workers', () => {
  const c = new TestCluster();
  const nodeIds = new Map<string, string>();
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
    await c.startWorker('b');
    for (const n of await c.client.listNodes()) nodeIds.set(n.name, n.id);
  });
  after(() => c.close());

  /** Until the service's live replicas are Running on exactly these workers, one each; they are returned. */
  async function runningOn(name: string, workers: string[]): Promise<ServiceTaskView[]> {
    const want = workers.map((w) => c.workerName(w)).sort();
    return waitFor(
      async () => {
        const live = await liveTasks(c, name);
        const on = live.map((t) => t.node ?? '').sort();
        const ok = live.every((t) => t.state === 'Running') && JSON.stringify(on) === JSON.stringify(want);
        return ok ? live : undefined;
      },
      { timeoutMs: 60_000, what: `${name} running on ${want.join(', ')}` },
    );
  }

  test('one replica on each node; a node that joins gets one, and one of a service its label lets in', async () => {
    const created = await c.client.createService(serviceSpec(c, 'agent', { mode: 'global' }, SLEEP));
    assert.equal(created.mode, 'global');
    await c.client.createService(
      serviceSpec(c, 'edge', { mode: 'global', constraints: ['node.labels.edge == yes'] }, SLEEP),
    );
    const two = await runningOn('agent', ['a', 'b']);
    for (const t of two) assert.ok(t.containerId !== null && (await isRunning(t.containerId)));
    assert.deepEqual((await liveTasks(c, 'edge')).length, 0);
    assert.equal((await c.client.getService('edge')).replicas, 0);

    await c.startWorker('c', ['--label', 'edge=yes']);
    const three = await runningOn('agent', ['a', 'b', 'c']);
    assert.deepEqual(three.map((t) => t.slot).sort(), [1, 2, 3]);
    const [edge] = await runningOn('edge', ['c']);
    assert.ok(edge?.containerId !== null && edge !== undefined && (await isRunning(edge.containerId ?? '')));
    const view = await c.client.getService('agent');
    assert.deepEqual([view.replicas, view.healthy], [3, 3]);
  });

  test("a drained node's replica stops; activated, the node gets its slot back", async () => {
    const before = await runningOn('agent', ['a', 'b', 'c']);
    const onB = before.find((t) => t.node === c.workerName('b'));
    assert.ok(onB !== undefined);
    await c.cli(['node', 'drain', c.workerName('b')]);
    await runningOn('agent', ['a', 'c']);
    const stopped = await waitFor(
      async () => {
        const t = await c.client.getTask(onB.id);
        return t.state === 'Completed' ? t : undefined;
      },
      { timeoutMs: 30_000, what: "b's replica stopped" },
    );
    assert.match(stopped.reason, new RegExp(`node ${c.workerName('b')} drained`));
    assert.equal((await c.client.getService('agent')).replicas, 2);

    await c.cli(['node', 'activate', c.workerName('b')]);
    const back = await runningOn('agent', ['a', 'b', 'c']);
    assert.equal(back.find((t) => t.node === c.workerName('b'))?.slot, onB.slot, 'the same slot as before');
  });

  test('an update rolls out over every node, and a global service cannot be scaled', async () => {
    const spec = serviceSpec(c, 'agent', { mode: 'global' }, { ...SLEEP, env: { VERSION: '2' } });
    await c.client.updateService('agent', spec);
    const ended = await untilRolloutEnds(c, 'agent');
    assert.deepEqual([ended.update?.state, ended.update?.updated, ended.update?.total], ['completed', 3, 3]);
    const live = await runningOn('agent', ['a', 'b', 'c']);
    assert.ok(live.every((t) => t.version === 2));

    await assert.rejects(c.client.scaleService('agent', 5), /global/);
    const out = await c.cli(['service', 'scale', 'agent=5']);
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /agent is global/);
    assert.doesNotMatch(out.stderr, /\n\s+at /, 'no stack trace');
    assert.equal((await c.client.getService('agent')).replicas, 3);
  });

  test('a spread preference puts half the replicas on the one node with the label, the rest on the others', async () => {
    const out = await c.cli([
      'service',
      'create',
      '--name',
      'spread',
      '--replicas',
      '4',
      '--placement-pref',
      'spread=node.labels.edge',
      '--label',
      `poseidon.test-run=${c.runId}`,
      TEST_IMAGE,
      'sleep',
      '600',
    ]);
    assert.equal(out.code, 0, out.stderr);
    const live = await waitFor(
      async () => {
        const tasks = await liveTasks(c, 'spread');
        return tasks.length === 4 && tasks.every((t) => t.state === 'Running') ? tasks : undefined;
      },
      { timeoutMs: 60_000, what: 'four replicas running' },
    );
    const on = (w: string): number => live.filter((t) => t.node === c.workerName(w)).length;
    assert.deepEqual([on('c'), on('a') + on('b')], [2, 2], 'edge=yes is one group, the nodes without it another');
    assert.ok(on('a') === 1 && on('b') === 1, 'within a group, one on each node');
  });

  test("a down node's replica waits for that node, said so; never as a node.id rule, the user's rules as typed", async () => {
    const down = c.workerName('c');
    const [edge] = await runningOn('edge', ['c']);
    await c.workers.get('c')?.kill(); // its containers keep running, as containers outlive their worker
    const waiting = await waitFor(
      async () => {
        const t = await c.client.getTask(edge?.id ?? '');
        return t.state === 'Pending' && t.reason.startsWith('waiting for') ? t : undefined;
      },
      { timeoutMs: 60_000, what: "c's edge replica waiting for its node" },
    );
    assert.equal(waiting.reason, `waiting for node ${down} (down)`);
    const ps = await c.cli(['service', 'ps', 'edge']);
    assert.match(ps.stdout, new RegExp(`Pending +- +waiting for node ${down} \\(down\\)$`, 'm'));
    const status = await c.cli(['status', edge?.id ?? '']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^Constraints:\s+node\.labels\.edge == yes$/m, "the service's rule as it was typed");
    for (const out of [ps.stdout, status.stdout, (await c.cli(['service', 'inspect', 'edge'])).stdout])
      assert.doesNotMatch(out, /node\.id/, 'the pin is no rule of anyone');
  });
});
