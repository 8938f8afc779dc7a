import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeStatusView } from '../../src/api/index.js';
import { runPoseidon } from '../../testkit/spawner.js';
import { TestCluster } from './helpers/cluster.js';
import { isRunning } from './helpers/docker.js';
import { waitFor } from './helpers/wait-for.js';

// A worker stopped on purpose (SIGTERM, as systemd restarts it) tells the manager it is restarting:
// the manager holds its node for --restart-grace (30s by default) rather than --heartbeat-grace
// (2s here), so a restart that takes longer than the heartbeat grace moves nothing.

/** Twice the beat period (1s), so a busy machine's late beat marks no node Down. */
const HEARTBEAT_GRACE_MS = 2_000;

describe('a worker restarted on purpose keeps its tasks', () => {
  const c = new TestCluster();
  before(async () => {
    await c.startManager(['--heartbeat-grace', `${HEARTBEAT_GRACE_MS}ms`]);
  });
  after(() => c.close());

  const node = async (short: string): Promise<NodeStatusView | undefined> =>
    (await c.client.listNodes()).find((n) => n.name === c.workerName(short));

  test('SIGTERM, back after several heartbeat graces: the task kept its node, generation and container', async () => {
    const since = new Date();
    const worker = await c.startWorker('r');
    const port = new URL(worker.url).port;
    const task = await c.client.submit(c.task('stays'));
    const [placed] = await c.allInState([task.id], 'Running');
    assert.equal(placed?.node, c.workerName('r'));
    // a second node where the task could go, were it moved
    await c.startWorker('s');

    process.kill(worker.pid, 'SIGTERM');
    await waitFor(() => !worker.isAlive(), { what: 'the worker to exit' });
    assert.equal(worker.exitCode, 0, worker.output.slice(-20).join('\n'));
    const held = await waitFor(
      async () => {
        const n = await node('r');
        return n?.restarting === true ? n : undefined;
      },
      { what: 'the node restarting' },
    );
    assert.equal(held.state, 'Up');
    const ls = await c.cli(['node', 'ls']);
    assert.match(ls.stdout, new RegExp(`^${c.workerName('r')} +Up, restarting `, 'm'));
    // not a threshold: long past the heartbeat grace, which would have moved the task
    await sleep(3 * HEARTBEAT_GRACE_MS);
    assert.equal((await node('r'))?.restarting, true);
    const during = await c.client.getTask(task.id);
    assert.deepEqual([during.node, during.generation], [placed?.node, placed?.generation]);

    await c.startWorker('r', [], port);
    await waitFor(async () => ((await node('r'))?.restarting === undefined ? true : undefined), {
      what: 'the node back from its restart',
    });
    const back = await c.allInState([task.id], 'Running');
    assert.deepEqual(
      [back[0]?.node, back[0]?.generation, back[0]?.containerId],
      [placed?.node, placed?.generation, placed?.containerId],
    );
    assert.equal(await isRunning(placed?.containerId ?? ''), true);

    const types: string[] = [];
    for await (const e of await c.client.watchEvents(undefined, { since, until: new Date() }))
      types.push(`${e.type} ${e.node ?? e.taskId ?? ''}`);
    assert.ok(types.includes(`node.restarting ${c.workerName('r')}`), types.join('\n'));
    assert.equal(
      types.some((t) => t.startsWith('task.lost') || t === `node.down ${c.workerName('r')}`),
      false,
      types.join('\n'),
    );
  });

  test('a second worker on the data dir a running worker holds is refused, naming it: the certificate there is its node', async () => {
    const holder = await c.startWorker('q');
    const second = await runPoseidon(
      [
        'worker',
        '--port',
        '0',
        '--name',
        c.workerName('q2'),
        '--data-dir',
        c.workerDir('q'),
        '--manager',
        c.manager.url,
      ],
      c.cliEnv(),
    );
    assert.equal(second.code, 1, second.stdout + second.stderr);
    assert.match(
      second.stderr,
      new RegExp(`^poseidon: --data-dir .* is in use by another poseidon worker \\(pid ${holder.pid}, since `),
    );
    assert.equal(holder.isAlive(), true);
  });
});
