import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EtcdCluster } from '../../testkit/etcd-cluster.js';
import { adminClient, cliEnv, type ManagerAccess } from '../../testkit/manager-access.js';
import { runPoseidon, type PoseidonProcess } from '../../testkit/spawner.js';
import { startLeaderAndFollower, type LeaderAndFollower } from './helpers/leader-and-follower.js';
import { waitFor } from './helpers/wait-for.js';

// With a majority of etcd's members down no manager can lead, which is when an operator runs
// `poseidon cluster status`. It used to be passed on to the leader, dead or deposed by then, and
// fail with "no manager of the group could serve this call". Each manager answers it itself now:
// the managers etcd's surviving member still lists (the dead leader shown unreachable), the
// members' health, why none leads, and exit 1. Once etcd has its majority again, another leads.
// The follower answers from its copy, and says how current it is: cut off from etcd, how old.

const EXIT_DEPOSED = 75;

describe('cluster status while etcd has no majority', () => {
  let group: LeaderAndFollower;
  let etcd: EtcdCluster;
  let leader: PoseidonProcess;
  let follower: PoseidonProcess;
  let first: ManagerAccess;

  before(async () => {
    group = await startLeaderAndFollower('leaderless');
    ({ etcd, leader, follower, first } = group);
    await waitFor(async () => (await adminClient(first).clusterStatus()).managers.length === 2, {
      what: 'two managers',
      timeoutMs: 30_000,
    });
  });

  after(() => group.stop());

  test('the follower answers: no leader, because etcd lost its majority; the dead leader unreachable; exit 1', async () => {
    const status = (): Promise<{ code: number | null; stdout: string; stderr: string }> =>
      runPoseidon(['cluster', 'status'], { ...cliEnv(first), POSEIDON_MANAGER: follower.url });
    const before = await status();
    assert.equal(before.code, 0, before.stderr);
    assert.match(before.stdout, /leader/);
    // the follower answers from its copy, which follows etcd: its revision, and no age
    const fromCopy = /^follower [0-9a-f]{8} answered from its copy, at etcd revision [0-9]+$/m;
    await waitFor(async () => fromCopy.test((await status()).stdout), { what: "the follower's copy said" });

    await etcd.stopMember(1);
    await etcd.stopMember(2);
    await waitFor(() => Promise.resolve(!leader.isAlive()), { what: 'the leader deposed', timeoutMs: 20_000 });
    assert.equal(leader.exitCode, EXIT_DEPOSED, leader.output.slice(-5).join('\n'));

    // the follower may have heard from etcd a moment after the leader last did: until its own lease
    // is overdue it still names the leader it saw
    const res = await waitFor(
      async () => {
        const r = await status();
        return r.code === 0 ? undefined : r;
      },
      { what: 'cluster status through the follower to say that no manager leads', timeoutMs: 20_000 },
    );
    assert.equal(res.code, 1, `${res.stdout}${res.stderr}`);
    assert.equal(res.stderr, '');
    const lines = res.stdout.split('\n');
    const row = (url: string): string | undefined => lines.find((l) => l.includes(url));
    assert.match(row(leader.url) ?? '', /unreachable/, res.stdout);
    assert.match(row(follower.url) ?? '', /follower/, res.stdout);
    const why = lines.find((l) => l.startsWith('no manager leads right now (as '));
    assert.ok(why !== undefined, res.stdout);
    const [, ...down] = etcd.endpoints;
    assert.match(why, /etcd has no majority: [01] of the 3 members the managers were given \(--store\)/);
    assert.ok(why.includes(`${down[0]} and ${down[1]} do not answer`), why);
    // cut off from etcd, the follower says how old its copy is, "as of 12s ago"
    const stale = lines.find((l) => / answered from its copy, at etcd revision [0-9]+, as of /.test(l));
    assert.match(stale ?? '', /, as of [0-9]+s ago: it is cut off from etcd, /, res.stdout);

    const json = await runPoseidon(['cluster', 'status', '--json'], {
      ...cliEnv(first),
      POSEIDON_MANAGER: follower.url,
    });
    assert.equal(json.code, 1);
    const view = JSON.parse(json.stdout) as {
      leader: string | null;
      noLeader?: string;
      answeredBy?: string;
      copy?: { revision: number; ageSeconds?: number };
    };
    assert.equal(view.leader, null);
    assert.match(view.noLeader ?? '', /^etcd has no majority/);
    assert.equal(typeof view.copy?.revision, 'number', json.stdout);
    assert.equal(typeof view.copy?.ageSeconds, 'number', json.stdout);

    await etcd.startMember(1);
    await waitFor(async () => (await status()).code === 0, { what: 'the follower leads', timeoutMs: 30_000 });
  });
});
