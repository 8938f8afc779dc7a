import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EtcdCluster } from '../../testkit/etcd-cluster.js';
import { adminClient, cliEnv, type ManagerAccess } from '../../testkit/manager-access.js';
import { runPoseidon, spawnManager, spawnPoseidon, type PoseidonProcess } from '../../testkit/spawner.js';
import { waitFor } from './helpers/wait-for.js';

// A worker refused for an old join token is told to take the current one from "the manager's
// <data-dir>/join-token", and an operator of a group reads it on whichever manager is at hand.
// So every manager of a group keeps that file current: a follower takes a rotation made through
// any manager as etcd's watch brings it, and a manager that was down during one takes it as it
// starts. (Before, only the leader's file changed: a follower's still held the refused token.)

const START_TIMEOUT_MS = 60_000;
const PREFIX = `/poseidon-join-token-${process.pid}`;

describe("a group's worker join token in every manager's data dir", () => {
  const dir = mkdtempSync(join(tmpdir(), 'poseidon-group-join-token-'));
  const dataDirs = ['m0', 'm1', 'm2'].map((name) => join(dir, name));
  const managers: PoseidonProcess[] = [];
  let etcd: EtcdCluster;
  let store: string;
  let first: ManagerAccess;
  let managerJoinToken: string;

  const joinTokenFile = (i: number): string => readFileSync(join(dataDirs[i] as string, 'join-token'), 'utf8').trim();
  const startJoined = (i: number): Promise<PoseidonProcess> =>
    spawnPoseidon(
      [
        'manager',
        '--port',
        '0',
        '--data-dir',
        dataDirs[i] as string,
        '--store',
        store,
        '--join-token',
        managerJoinToken,
      ],
      { listenTimeoutMs: START_TIMEOUT_MS },
    );
  /** `poseidon token rotate join` through manager i, as an admin; the new token it prints. */
  const rotateThrough = async (i: number): Promise<string> => {
    const url = (managers[i] as PoseidonProcess).url;
    const res = await runPoseidon(['token', 'rotate', 'join'], { ...cliEnv(first), POSEIDON_MANAGER: url });
    assert.equal(res.code, 0, res.stderr);
    return res.stdout.trim();
  };

  before(async () => {
    etcd = await EtcdCluster.start(1);
    store = `${etcd.storeUrl}${PREFIX}`;
    const one = await spawnManager(dataDirs[0] as string, ['--store', store], { listenTimeoutMs: START_TIMEOUT_MS });
    managers.push(one.process);
    first = one.access;
    managerJoinToken = readFileSync(join(dataDirs[0] as string, 'manager-join-token'), 'utf8').trim();
    managers.push(await startJoined(1), await startJoined(2));
    await waitFor(async () => (await adminClient(first).clusterStatus()).managers.length === 3, {
      what: 'three managers',
      timeoutMs: 30_000,
    });
  });

  after(async () => {
    for (const m of managers) await m.stop();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a rotation through a follower reaches every manager, and one started later', async () => {
    const status = await adminClient(first).clusterStatus();
    const leader = status.managers.findIndex((m) => m.leader);
    const leaderIndex = managers.findIndex((m) => m.url === status.managers[leader]?.url);
    assert.ok(leaderIndex >= 0, JSON.stringify(status));
    const [follower, other] = [0, 1, 2].filter((i) => i !== leaderIndex) as [number, number];

    const rotated = await rotateThrough(follower);
    assert.match(rotated, /^PSDN-1-/);
    assert.notEqual(rotated, first.joinToken);
    for (const i of [0, 1, 2])
      await waitFor(() => Promise.resolve(joinTokenFile(i) === rotated), {
        what: `manager ${i}'s <data-dir>/join-token is the rotated token`,
        timeoutMs: 15_000,
      });

    // a follower down while the token is rotated again reads the new one when it starts
    await (managers[other] as PoseidonProcess).stop();
    const again = await rotateThrough(follower);
    assert.equal(joinTokenFile(other), rotated, 'a stopped manager keeps its file');
    managers[other] = await startJoined(other);
    assert.equal(joinTokenFile(other), again, 'taken before it listens');
  });
});
