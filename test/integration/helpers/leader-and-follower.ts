import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdCluster } from '../../../testkit/etcd-cluster.js';
import type { ManagerAccess } from '../../../testkit/manager-access.js';
import { spawnManager, spawnPoseidon, type PoseidonProcess } from '../../../testkit/spawner.js';

const START_TIMEOUT_MS = 60_000;

/** A group of two managers on a three-member etcd: the first leads, the second joined it. */
export interface LeaderAndFollower {
  etcd: EtcdCluster;
  leader: PoseidonProcess;
  follower: PoseidonProcess;
  /** The first manager's admin credentials. */
  first: ManagerAccess;
  /** Stops both managers and etcd, and removes their data. */
  stop(): Promise<void>;
}

/** Starts etcd, a manager on it, and a second one joined with the first's manager join token. */
export async function startLeaderAndFollower(name: string): Promise<LeaderAndFollower> {
  const dir = mkdtempSync(join(tmpdir(), `poseidon-group-${name}-`));
  const etcd = await EtcdCluster.start(3);
  const store = `${etcd.storeUrl}/poseidon-${name}-${process.pid}`;
  const one = await spawnManager(join(dir, 'm0'), ['--store', store], { listenTimeoutMs: START_TIMEOUT_MS });
  const joinToken = readFileSync(join(dir, 'm0', 'manager-join-token'), 'utf8').trim();
  const follower = await spawnPoseidon(
    ['manager', '--port', '0', '--data-dir', join(dir, 'm1'), '--store', store, '--join-token', joinToken],
    { listenTimeoutMs: START_TIMEOUT_MS },
  );
  return {
    etcd,
    leader: one.process,
    follower,
    first: one.access,
    async stop() {
      await follower.stop();
      await one.process.stop();
      await etcd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
