import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { NodeStatusView } from '../../src/api/index.js';
import { TestCluster } from './helpers/cluster.js';
import { isRunning } from './helpers/docker.js';
import { liveTasks, serviceSpec, untilSettled, webTask } from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

// `poseidon node drain` with a real manager and two real workers over mutual TLS: a drained node
// takes nothing new, its replicas are started on the other node before they stop here (never
// fewer healthy replicas than wanted, sampled throughout), its plain task moves, and the drain
// outlives a manager restart.

describe('node drain with a real manager and two real workers', () => {
  const c = new TestCluster();
  let a: NodeStatusView;
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
    await c.startWorker('b');
    const found = (await c.client.listNodes()).find((n) => n.name === c.workerName('a'));
    assert.ok(found !== undefined);
    a = found;
  });
  after(() => c.close());

  test('drain moves replicas start-first and plain tasks off the node; nothing new goes there', async () => {
    const plain = await c.client.submit(c.task('plain-on-a', { constraints: [`node.name == ${a.name}`] }));
    const [before] = await c.allInState([plain.id], 'Running');
    assert.equal(before?.nodeId, a.id);
    // a plain task with a constraint to a cannot move: it waits Pending with the reason; one without
    // moves. It starts on a because b is drained while it is placed (the API's drain, beside the CLI's).
    await c.client.drainNode(c.workerName('b'));
    const free = await c.client.submit(c.task('free-plain'));
    const [freeBefore] = await c.allInState([free.id], 'Running');
    assert.equal(freeBefore?.nodeId, a.id);
    assert.equal((await c.client.activateNode(c.workerName('b'))).availability, 'active');
    await c.client.createService(serviceSpec(c, 'drained-web', { replicas: 2 }, webTask()));
    const replicas = await untilSettled(c, 'drained-web', 2);
    assert.equal(replicas.filter((t) => t.nodeId === a.id).length, 1, 'one replica on each node');

    let fewest = Number.POSITIVE_INFINITY;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const tasks = await c.client.serviceTasks('drained-web');
        const healthy = tasks.filter((t) => t.state === 'Running' && t.health.status === 'healthy').length;
        fewest = Math.min(fewest, healthy);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const out = await c.cli(['node', 'drain', c.workerName('a')]);
    assert.match(out.stdout, new RegExp(`node ${c.workerName('a')} drained`));
    await waitFor(
      async () => {
        const live = await liveTasks(c, 'drained-web');
        const moved = live.length === 2 && live.every((t) => t.nodeId !== a.id && t.state === 'Running');
        return moved && live.every((t) => t.health.status === 'healthy') ? live : undefined;
      },
      { timeoutMs: 90_000, what: 'both replicas healthy on b' },
    );
    sampling = false;
    await sampler;
    assert.ok(fewest >= 2, `never fewer than 2 healthy replicas during the drain (fewest seen: ${fewest})`);
    for (const old of replicas.filter((t) => t.nodeId === a.id)) {
      assert.equal((await c.client.getTask(old.id)).desiredState, 'stopped');
      await waitFor(async () => (await c.client.getTask(old.id)).state === 'Completed', {
        timeoutMs: 30_000,
        what: 'the replica on a stopped once drained from the proxies',
      });
    }

    const moved = await waitFor(
      async () => {
        const t = await c.client.getTask(free.id);
        return t.state === 'Running' && t.nodeId !== a.id ? t : undefined;
      },
      { timeoutMs: 30_000, what: 'the plain task running on b' },
    );
    assert.ok(moved.generation > freeBefore.generation);
    const oldContainer = freeBefore.containerId;
    assert.ok(oldContainer !== null);
    await waitFor(async () => !(await isRunning(oldContainer)), { what: 'its old container on a stopped' });
    const pinned = await waitFor(
      async () => {
        const t = await c.client.getTask(plain.id);
        return t.state === 'Pending' ? t : undefined;
      },
      { timeoutMs: 30_000, what: 'the task pinned to a waiting Pending' },
    );
    assert.match(pinned.reason, /drained/);

    const fresh = await c.client.submit(c.task('fresh'));
    const [placed] = await c.allInState([fresh.id], 'Running');
    assert.notEqual(placed?.nodeId, a.id, 'a new task goes elsewhere');

    const ls = await c.cli(['node', 'ls']);
    assert.match(ls.stdout, new RegExp(`${c.workerName('a')}\\s+Up, drained`));
  });

  test('the drain outlives a manager restart; activate lets the node take work again', async () => {
    await c.restartManager();
    await waitFor(async () => (await c.client.listNodes()).every((n) => n.state === 'Up'), {
      timeoutMs: 30_000,
      what: 'both nodes Up again',
    });
    const json = JSON.parse((await c.cli(['node', '--json'])).stdout) as NodeStatusView[];
    assert.equal(json.find((n) => n.id === a.id)?.availability, 'drain');
    const out = await c.cli(['node', 'activate', a.id]);
    assert.match(out.stdout, /active: it takes new work again/);
    const pinned = (await c.client.listTasks()).find((t) => t.name === 'plain-on-a');
    assert.ok(pinned !== undefined);
    const back = await waitFor(
      async () => {
        const t = await c.client.getTask(pinned.id);
        return t.state === 'Running' ? t : undefined;
      },
      { timeoutMs: 30_000, what: 'the pinned task placed on a again' },
    );
    assert.equal(back.nodeId, a.id);
  });
});
