import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EtcdCluster } from '../../testkit/etcd-cluster.js';
import { cliEnv, type ManagerAccess } from '../../testkit/manager-access.js';
import { runPoseidon, type PoseidonProcess } from '../../testkit/spawner.js';
import { startLeaderAndFollower, type LeaderAndFollower } from './helpers/leader-and-follower.js';
import { waitFor } from './helpers/wait-for.js';

// An operator stops managers (SIGTERM: `systemctl stop`, a Ctrl-C alike) while etcd lacks a
// majority. A follower that had checked a token then never exited: its stop wrote the token's last
// use to etcd, that write failed, and the rest of the stop (its leases, its etcd client) was
// skipped, whose keep-alives held the process. A leader exited 75 as deposed, saying to start it
// again. Each exits 0 now, within its bounded waits, saying which leases it could not revoke.

const UNREVOKED = "stopping without revoking this manager's leases in etcd";

describe('managers stopped while etcd has no majority', () => {
  let group: LeaderAndFollower;
  let etcd: EtcdCluster;
  let leader: PoseidonProcess;
  let follower: PoseidonProcess;
  let first: ManagerAccess;

  before(async () => {
    group = await startLeaderAndFollower('stop');
    ({ etcd, leader, follower, first } = group);
  });

  after(() => group.stop());

  test('the follower and the leader each stop, exit 0 and say their leases were not revoked', async () => {
    // through each manager, so that each has checked the admin token (the follower from its copy)
    await waitFor(
      async () => {
        const via = (url: string) => runPoseidon(['cluster', 'status'], { ...cliEnv(first), POSEIDON_MANAGER: url });
        const [a, b] = await Promise.all([via(leader.url), via(follower.url)]);
        const leads = a.stdout.split('\n').some((l) => l.includes(leader.url) && / leader /.test(l));
        return a.code === 0 && b.code === 0 && leads && b.stdout.includes(leader.url);
      },
      { what: 'both managers listed through each', timeoutMs: 30_000 },
    );

    await etcd.stopMember(1);
    await etcd.stopMember(2);
    process.kill(leader.pid, 'SIGTERM');
    process.kill(follower.pid, 'SIGTERM');
    for (const [name, p] of [
      ['follower', follower],
      ['leader', leader],
    ] as const) {
      await waitFor(() => Promise.resolve(!p.isAlive()), { what: `the ${name} stopped`, timeoutMs: 30_000 });
      const tail = p.output.slice(-8).join('\n');
      assert.equal(p.exitCode, 0, `${name}: ${tail}`);
      assert.ok(
        p.output.some((l) => l.includes(UNREVOKED)),
        `${name}: ${tail}`,
      );
      assert.ok(!p.output.some((l) => l.includes('start again to follow the new leader')), `${name}: ${tail}`);
    }
    assert.ok(
      leader.output.some((l) => l.includes(`${UNREVOKED}: the leader key`)),
      leader.output.slice(-8).join('\n'),
    );
  });
});
