import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkerClient } from '../../src/client/index.js';
import { PoseidonError } from '../../src/errors/index.js';
import { asManager } from '../../testkit/manager-access.js';
import { TestCluster } from './helpers/cluster.js';
import { waitFor } from './helpers/wait-for.js';

// A task's container options, through a real manager and real workers on the real engine: its
// host name, /etc/hosts entries, /dev/shm's size, ulimits and capabilities reach its container,
// and a capability beyond Docker's default set goes only where a worker gives it (--allow-cap):
// the task waits, saying why, until one does, and a worker refuses it itself.

/** Docker's default capability set as CapEff (Engine 20.10): CHOWN is bit 0, NET_ADMIN bit 12. */
const DEFAULT_CAP_EFF = 0xa80425fbn;
const NET_ADMIN = 1n << 12n;
const CHOWN = 1n;

describe('container options on real workers', () => {
  const c = new TestCluster();
  before(async () => {
    await c.startManager();
    await c.startWorker('gives', ['--allow-cap', 'net_admin']);
  });
  after(async () => {
    await c.close();
  });

  async function output(id: string): Promise<string[]> {
    await c.allInState([id], 'Completed', 60_000);
    return (await c.logText(id)).trimEnd().split('\n');
  }

  test("a task's hostname, /etc/hosts entries, /dev/shm, ulimits and capabilities reach its container", async () => {
    const task = await c.client.submit(
      c.task('shaped', {
        command: [
          'sh',
          '-c',
          'hostname; grep -E "db.internal|gw$" /etc/hosts; df -k /dev/shm | tail -1; ' +
            'ulimit -n; ulimit -Hn; ulimit -u; grep CapEff /proc/self/status',
        ],
        hostname: 'web-1.internal',
        extraHosts: ['db.internal:10.1.2.3', 'gw=host-gateway'],
        shmSize: '8Mi',
        ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 512 },
        capAdd: ['CAP_NET_ADMIN'],
        capDrop: ['chown'],
        restartPolicy: { mode: 'never' },
      }),
    );
    const [hostname, db, gw, shm, soft, hard, nproc, caps] = await output(task.id);
    assert.equal(hostname, 'web-1.internal');
    assert.equal(db, '10.1.2.3\tdb.internal');
    assert.match(gw ?? '', /^\d+\.\d+\.\d+\.\d+\tgw$/, 'host-gateway: the node, as Docker gives it');
    assert.match(shm ?? '', /^shm +8192 /);
    assert.deepEqual([soft, hard, nproc], ['1024', '2048', '512']);
    const eff = BigInt(`0x${(caps ?? '').replace(/^CapEff:\s*/, '')}`);
    assert.equal(eff, (DEFAULT_CAP_EFF | NET_ADMIN) & ~CHOWN);
    const spec = (await c.client.getTask(task.id)).spec;
    assert.deepEqual(spec?.capAdd, ['NET_ADMIN'], 'kept as Docker names it');
    assert.deepEqual(spec?.ulimits, { nofile: { soft: 1024, hard: 2048 }, nproc: 512 });
  });

  test('a capability the worker does not give waits for one that does; the worker refuses it itself', async () => {
    const [node] = await c.client.listNodes();
    assert.deepEqual(node?.allowedCaps, ['NET_ADMIN']);
    const body = c.task('admin', {
      command: ['sh', '-c', 'grep CapEff /proc/self/status'],
      capAdd: ['SYS_ADMIN'],
      restartPolicy: { mode: 'never' },
    });
    const task = await c.client.submit(body);
    const waiting = await waitFor(async () => {
      const t = await c.client.getTask(task.id);
      return t.reason.includes('capability') ? t : undefined;
    });
    assert.equal(waiting.state, 'Pending');
    assert.equal(waiting.reason, '0/1 nodes can run admin: 1 node does not allow capability SYS_ADMIN');

    const worker = new WorkerClient(c.workers.get('gives')?.url ?? '', 10_000, { tls: asManager(c.access) });
    const refused = await worker.startTask({ ...body, name: 'direct' }).then(
      () => assert.fail('the worker started it'),
      (err: unknown) => err,
    );
    assert.ok(refused instanceof PoseidonError);
    assert.equal(refused.code, 'invalid_request');
    assert.equal(
      refused.message,
      'capAdd[0] SYS_ADMIN is not a capability this worker gives (poseidon worker --allow-cap SYS_ADMIN); ' +
        'it allows NET_ADMIN',
    );

    await c.startWorker('any', ['--allow-cap', 'ALL']);
    const [done] = await c.allInState([task.id], 'Completed', 60_000);
    assert.equal(done?.node, c.workerName('any'));
  });
});
