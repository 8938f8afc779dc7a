import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { LABEL_TASK_ID } from '../../src/driver/labels.js';
import { Relay } from '../../testkit/relay.js';
import { TestCluster } from './helpers/cluster.js';
import { EngineLives, type Life } from './helpers/engine-lives.js';
import { waitFor } from './helpers/wait-for.js';

// At most once, when asked: an exclusive task never overlaps with its replacement, judged from the
// engine's own container start and die events. A worker cut off from the manager (its process alive,
// every connection to the manager dropped by a TCP relay in between) stops its exclusive task by
// itself after --fence, and the manager does not move it meanwhile; a plain task in the same spot is
// moved after the grace while its old copy still runs. A machine that "dies" (worker killed, its
// containers removed) holds its exclusive task until the operator says `node rm --dead`.

/** No two lives overlap: each container died before the next one started. */
function assertNoOverlap(all: Life[]): void {
  const sorted = [...all].sort((a, b) => a.startedAt - b.startedAt);
  for (let i = 1; i < sorted.length; i += 1) {
    const prev = sorted[i - 1] as Life;
    const next = sorted[i] as Life;
    assert.ok(
      prev.diedAt !== null && prev.diedAt <= next.startedAt,
      `container ${next.container.slice(0, 12)} started while ${prev.container.slice(0, 12)} still ran`,
    );
  }
}

describe('exclusive tasks run at most once', () => {
  const cluster = new TestCluster();
  const docker = new Docker();
  let relay: Relay;
  let engine: EngineLives;
  before(async () => {
    engine = await EngineLives.open(docker);
    await cluster.startManager(['--heartbeat-grace', '2s']);
    relay = new Relay(new URL(cluster.manager.url));
    const viaRelay = await relay.listen();
    // a reaches the manager only through the relay; the manager reaches it directly
    await cluster.startWorker('a', ['--manager', viaRelay, '--fence', '3s']);
  });
  after(async () => {
    engine.close();
    await relay.close();
    await cluster.close();
  });

  test('cut off: the exclusive task stops on its worker and is not moved; a plain one is moved after the grace', async () => {
    const x = await cluster.client.submit(cluster.task('excl', { exclusive: true, restartPolicy: { mode: 'always' } }));
    const p = await cluster.client.submit(cluster.task('plain', { restartPolicy: { mode: 'always' } }));
    await cluster.allInState([x.id, p.id], 'Running');
    // both on a, the only node so far; b joins now, with room for a moved task
    const aName = cluster.workerName('a');
    for (const t of await cluster.client.listTasks()) if (t.id === x.id || t.id === p.id) assert.equal(t.node, aName);
    await cluster.startWorker('b', ['--fence', '3s']);

    relay.cut();
    // the plain task moves to b once a is Down; its old copy on a still runs meanwhile
    await waitFor(
      async () => {
        const t = await cluster.client.getTask(p.id);
        return t.node === cluster.workerName('b') && t.state === 'Running';
      },
      { what: 'the plain task running on b', timeoutMs: 30_000 },
    );
    const held = await cluster.client.getTask(x.id);
    assert.equal(held.node, aName, 'the exclusive task stays charged to a');
    assert.match(held.reason, /exclusive, so not moved until its copy is known stopped/);
    // a stops its exclusive copy by itself after --fence; the plain copy keeps running there
    await waitFor(() => engine.of(x.id).length > 0 && engine.of(x.id).every((l) => l.diedAt !== null), {
      what: "a stopping the exclusive task's container by itself",
      timeoutMs: 30_000,
    });
    // both plain copies run (the new one's start may reach this test's event stream a moment after the manager's Running)
    await waitFor(() => engine.of(p.id).filter((l) => l.diedAt === null).length >= 2, {
      what: 'two plain copies running at once, the old on a and the new on b',
      timeoutMs: 10_000,
    });

    relay.heal();
    // a reports again: the fenced task restarts (its restart policy), somewhere, once
    await waitFor(
      async () => {
        const t = await cluster.client.getTask(x.id);
        return t.state === 'Running' && t.restarts >= 1;
      },
      { what: 'the exclusive task running again after the heal', timeoutMs: 60_000 },
    );
    await waitFor(() => engine.of(x.id).length >= 2, { what: 'a new container after the fence', timeoutMs: 10_000 });
    assertNoOverlap(engine.of(x.id));
  });

  test('killed and restarted: the worker comes back to its exclusive task, which was never moved', async () => {
    const x = await cluster.client.submit(
      cluster.task('excl-restart', {
        exclusive: true,
        restartPolicy: { mode: 'always' },
        constraints: [`node.name != ${cluster.workerName('a')}`],
      }),
    );
    await cluster.allInState([x.id], 'Running');
    await cluster.workers.get('b')?.kill(); // its container keeps running, as containers outlive their worker
    await waitFor(
      async () => (await cluster.client.listNodes()).find((n) => n.name === cluster.workerName('b'))?.state === 'Down',
      { what: 'b down' },
    );
    // the pass after b is Down holds the task and says why; node Down can be seen before that pass has run
    const held = await waitFor(
      async () => {
        const t = await cluster.client.getTask(x.id);
        return /exclusive, so not moved/.test(t.reason) ? t : undefined;
      },
      { what: 'the exclusive task held on b, and why' },
    );
    assert.equal(held.node, cluster.workerName('b'));
    await cluster.startWorker('b', ['--fence', '3s']);
    await waitFor(
      async () => {
        const t = await cluster.client.getTask(x.id);
        return t.state === 'Running' && t.node === cluster.workerName('b') && !/not moved/.test(t.reason);
      },
      { what: 'the exclusive task running on b again', timeoutMs: 30_000 },
    );
    assertNoOverlap(engine.of(x.id));
  });

  test('a machine that dies holds its exclusive task until node rm --dead; plain node rm is refused', async () => {
    const x = await cluster.client.submit(
      cluster.task('excl-dead', {
        exclusive: true,
        restartPolicy: { mode: 'always' },
        constraints: [`node.name != ${cluster.workerName('a')}`],
      }),
    );
    const [view] = await cluster.allInState([x.id], 'Running');
    assert.equal(view?.node, cluster.workerName('b'));
    // b's machine dies: the worker killed, its containers gone with it
    await cluster.workers.get('b')?.kill();
    const itsContainers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_TASK_ID}=${x.id}`] } });
    assert.ok(itsContainers.length > 0);
    for (const c of itsContainers) await docker.getContainer(c.Id).remove({ force: true });
    await waitFor(
      async () => (await cluster.client.listNodes()).find((n) => n.name === cluster.workerName('b'))?.state === 'Down',
      { what: 'b down' },
    );
    const refused = await cluster.cli(['node', 'rm', cluster.workerName('b')]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /may still run exclusive task.*--dead/);
    assert.equal((await cluster.client.getTask(x.id)).node, cluster.workerName('b'), 'not moved by a refused rm');

    const removed = await cluster.cli(['node', 'rm', cluster.workerName('b'), '--dead']);
    assert.equal(removed.code, 0, removed.stderr);
    // with b gone for good it may run elsewhere; a is the only node left (the constraint allows it? no: it excludes a)
    await waitFor(async () => (await cluster.client.getTask(x.id)).state === 'Pending' || undefined, {
      what: 'the exclusive task placed again (Pending: only a is left, which its constraint excludes)',
    });
    assertNoOverlap(engine.of(x.id));
  });
});
