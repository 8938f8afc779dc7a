import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import type { ManagerClient } from '../../src/client/index.js';
import { RunCleanup } from '../../testkit/cleanup.js';
import { EtcdCluster } from '../../testkit/etcd-cluster.js';
import { adminClient, type ManagerAccess } from '../../testkit/manager-access.js';
import { Relay } from '../../testkit/relay.js';
import { spawnManager, spawnPoseidon, type PoseidonProcess } from '../../testkit/spawner.js';
import { tlsFetch } from '../../testkit/tls-fetch.js';
import { newRunId, TEST_IMAGE } from './helpers/docker.js';
import { waitFor } from './helpers/wait-for.js';

// Managers on etcd, no workers (nothing here needs a task to run). A follower answers reads of
// tasks and services from the copy etcd's watch keeps of the leader's records, and checks tokens
// against its copy of them. One follower reaches etcd through a relay that holds every chunk back
// 300 ms, so its copy lags the leader: a change made through it still reads back from it at once
// (it answers the change only once its copy has it). Stalled from etcd without a socket error (a
// network dropping packets), it passes reads on to the leader rather than answer from a copy that
// no longer follows. The leader frozen, a follower's reads go on.

const COPY_HEADER = 'x-poseidon-copy-revision';
/** How far behind the lagging follower's link to etcd runs. */
const LAG_MS = 300;
const START_TIMEOUT_MS = 60_000;
const PREFIX = `/poseidon-reads-${process.pid}`;

describe('a follower of a manager group reads from its copy', () => {
  const runId = newRunId();
  const cleanup = new RunCleanup(runId, new Docker(), { processes: 'kill' });
  let etcd: EtcdCluster;
  let store: string;
  let first: ManagerAccess;
  let joinToken: string;
  const managers: PoseidonProcess[] = [];

  const client = (urls: readonly string[], timeoutMs = 30_000): ManagerClient =>
    adminClient({ ...first, url: urls.join(',') }, timeoutMs);
  const urls = (): string[] => managers.map((m) => m.url);
  const get = (url: string, token = first.adminToken) => tlsFetch(url, { token, tls: { ca: first.caPem } });

  /** The leader's and a follower's URL, as the group says. */
  const roles = async (): Promise<{ leader: string; follower: string }> => {
    const status = await client(urls()).clusterStatus();
    const leader = status.managers.find((m) => m.leader)?.url;
    const follower = status.managers.find((m) => !m.leader && urls().includes(m.url))?.url;
    assert.ok(leader !== undefined && follower !== undefined, JSON.stringify(status));
    return { leader, follower };
  };

  const joinManager = async (name: string, storeUrl = store): Promise<PoseidonProcess> => {
    const dir = join(await cleanup.tempDir('poseidon-reads'), name);
    const args = ['manager', '--port', '0', '--data-dir', dir, '--store', storeUrl, '--join-token', joinToken];
    const p = await spawnPoseidon(args, {
      onSpawn: (sp) => cleanup.trackProcess(sp),
      listenTimeoutMs: START_TIMEOUT_MS,
    });
    return p;
  };

  before(async () => {
    etcd = await EtcdCluster.start(1);
    store = `${etcd.storeUrl}${PREFIX}`;
    const dir = join(await cleanup.tempDir('poseidon-reads'), 'm0');
    const one = await spawnManager(dir, ['--store', store], {
      onSpawn: (p) => cleanup.trackProcess(p),
      listenTimeoutMs: START_TIMEOUT_MS,
    });
    first = one.access;
    managers.push(one.process);
    joinToken = readFileSync(join(dir, 'manager-join-token'), 'utf8').trim();
    managers.push(await joinManager('m1'));
    await waitFor(async () => (await client(urls()).clusterStatus()).managers.length === 2, {
      what: 'both managers in the group',
      timeoutMs: 30_000,
    });
  });

  after(async () => {
    await cleanup.release();
    await etcd.stop();
  });

  test('a change made through a lagging follower reads back from it at once, from its copy', async () => {
    const { leader } = await roles();
    const relay = new Relay(new URL(etcd.endpoints[0] as string), { delayMs: LAG_MS });
    try {
      const lagging = await joinManager('lagging', `etcd://${new URL(await relay.listen()).host}${PREFIX}`);
      await waitFor(async () => (await get(`${lagging.url}/tasks`)).headers[COPY_HEADER] !== undefined, {
        what: 'the lagging follower answers from its copy',
        timeoutMs: 30_000,
      });
      const via = client([lagging.url]);
      for (let i = 0; i < 10; i += 1) {
        const task = await via.submit({ name: `read-back-${i}`, image: TEST_IMAGE, labels: cleanup.labels });
        assert.equal((await via.getTask(task.id)).id, task.id, `task ${i} read back through the follower`);
      }
      await via.createService({ name: 'copied', replicas: 2, task: { image: TEST_IMAGE, labels: cleanup.labels } });
      assert.equal((await via.getService('copied')).replicas, 2);
      await via.scaleService('copied', 3);
      assert.equal((await via.getService('copied')).replicas, 3, 'a scale reads back through the follower');
      // answered by the follower itself: the copy's revision says so; the leader answers without one
      const fromCopy = await get(`${lagging.url}/tasks?state=pending`);
      assert.equal(fromCopy.status, 200, fromCopy.text());
      assert.match(String(fromCopy.headers[COPY_HEADER]), /^[0-9]+$/);
      const names = (fromCopy.json() as Array<{ name: string }>).map((t) => t.name);
      assert.ok(names.includes('read-back-9'), names.join(','));
      assert.equal((await get(`${leader}/tasks`)).headers[COPY_HEADER], undefined);
      // tokens: a token made through the follower works there; revoked through it, it is refused there at once
      const made = await via.createToken({ scope: 'read', name: 'copied-token' });
      assert.equal((await get(`${lagging.url}/services`, made.token)).status, 200);
      await via.revokeToken(made.id);
      const refused = await get(`${lagging.url}/services`, made.token);
      assert.equal(refused.status, 401, refused.text());
      assert.match(refused.text(), /was revoked/);

      // stalled from etcd, no socket error: within the lease's TTL it stops answering from its copy
      relay.stall();
      await waitFor(
        async () => {
          const res = await get(`${lagging.url}/tasks`);
          return res.status === 200 && res.headers[COPY_HEADER] === undefined;
        },
        { what: 'the stalled follower passes reads on to the leader', timeoutMs: 30_000 },
      );
      // a token revoked at the leader after the stall is refused through the stalled follower too
      const late = await client([leader]).createToken({ scope: 'read', name: 'after-stall' });
      await client([leader]).revokeToken(late.id);
      assert.equal((await get(`${lagging.url}/tasks`, late.token)).status, 401);
      await lagging.kill();
    } finally {
      await relay.close();
    }
  });

  test('the leader frozen (kill -STOP): the follower still answers reads from its copy', async () => {
    const { leader, follower } = await roles();
    const frozen = managers.find((m) => m.url === leader) as PoseidonProcess;
    process.kill(frozen.pid, 'SIGSTOP');
    try {
      const tasks = await get(`${follower}/tasks`);
      assert.equal(tasks.status, 200, tasks.text());
      assert.ok(tasks.headers[COPY_HEADER] !== undefined, 'answered from the copy');
      assert.ok((tasks.json() as unknown[]).length >= 10);
      const service = await get(`${follower}/services/copied`);
      assert.equal(service.status, 200, service.text());
    } finally {
      process.kill(frozen.pid, 'SIGCONT');
    }
  });
});
