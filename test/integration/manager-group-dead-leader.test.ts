import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ClusterStatusView } from '../../src/api/index.js';
import type { EtcdCluster } from '../../testkit/etcd-cluster.js';
import { cliEnv, type ManagerAccess } from '../../testkit/manager-access.js';
import { runPoseidon, type PoseidonProcess } from '../../testkit/spawner.js';
import { startLeaderAndFollower, type LeaderAndFollower } from './helpers/leader-and-follower.js';
import { waitFor } from './helpers/wait-for.js';

// A leader killed (`kill -9`) holds the leader key until its lease runs out (3 s), and a follower
// asked `cluster status` meanwhile showed it the healthy leader. etcd's lease alone decides who
// leads, so the follower still names it, but asks it first and says it does not answer.

describe('cluster status through a follower just after the leader is killed', () => {
  let group: LeaderAndFollower;
  let etcd: EtcdCluster;
  let leader: PoseidonProcess;
  let follower: PoseidonProcess;
  let first: ManagerAccess;

  before(async () => {
    group = await startLeaderAndFollower('dead-leader');
    ({ etcd, leader, follower, first } = group);
  });

  after(() => group.stop());

  test('names the dead leader only as the leader key holder that does not answer', async () => {
    const status = async (): Promise<ClusterStatusView> => {
      const r = await runPoseidon(['cluster', 'status', '--json'], {
        ...cliEnv(first),
        POSEIDON_MANAGER: follower.url,
      });
      return JSON.parse(r.stdout) as ClusterStatusView;
    };
    const leaderOf = (s: ClusterStatusView) => s.managers.find((m) => m.leader);
    await waitFor(async () => leaderOf(await status())?.url === leader.url, { what: 'the follower names the leader' });
    const alive = leaderOf(await status());
    assert.equal(alive?.answers, true, 'a leader that answers is said to');

    await leader.kill();
    const after = await status();
    const named = leaderOf(after);
    // the follower may already have seen the lease run out (no leader, or itself): then nothing to check
    if (named?.url === leader.url) assert.equal(named.answers, false, JSON.stringify(after));
    else assert.notEqual(named?.url, leader.url);
    const text = await runPoseidon(['cluster', 'status'], { ...cliEnv(first), POSEIDON_MANAGER: follower.url });
    const row = text.stdout.split('\n').find((l) => l.includes(leader.url)) ?? '';
    assert.ok(!/ leader {2}/.test(row), text.stdout);
  });
});
