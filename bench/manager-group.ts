import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagerClient } from '../src/client/index.js';
import { EtcdCluster } from '../testkit/etcd-cluster.js';
import { adminClient, type ManagerAccess } from '../testkit/manager-access.js';
import { spawnManager, spawnPoseidon, type PoseidonProcess } from '../testkit/spawner.js';
import { BenchError } from './bench-error.js';
import type { BenchContext } from './context.js';

// Managers as a group for the benchmarks: three `poseidon manager --store etcd://…/<prefix>` on
// one etcd cluster, the first writing the manager join token the others start with (an empty data
// dir each), as test/integration/manager-group.test.ts starts them. Processes by pid, tracked for
// the run's cleanup; a killed one is started again on its port and data dir, as systemd would.

/** How long a group may take to list all its managers, or to name a leader. */
const SETTLE_DEADLINE_MS = 30_000;

/** A three-member etcd on loopback for the run; stopped by the caller (in a finally), or by the run's cleanup on Ctrl-C. */
export async function startBenchEtcd(ctx: BenchContext): Promise<EtcdCluster> {
  const size = 3;
  const etcd = await EtcdCluster.start(size);
  // stop() stops each member by pid and is safe to call twice
  ctx.resources.trackProcess({
    isAlive: () => Array.from({ length: size }, (_, i) => etcd.pid(i)).some((pid) => pid !== undefined),
    stop: () => etcd.stop(),
    kill: () => etcd.stop(),
  });
  return etcd;
}

export class BenchManagerGroup {
  readonly #members: PoseidonProcess[];

  private constructor(
    private readonly ctx: BenchContext,
    /** The first manager's files (CA, join token, admin token), with every manager's URL in `url`. */
    readonly access: ManagerAccess,
    readonly urls: readonly string[],
    private readonly dataDirs: readonly string[],
    private readonly args: readonly string[],
    members: PoseidonProcess[],
  ) {
    this.#members = members;
  }

  /**
   * Three managers on `etcd` under a key prefix of their own (`tag`), each given `managerArgs`;
   * resolves once the group lists all three.
   */
  static async start(
    ctx: BenchContext,
    etcd: EtcdCluster,
    tag: string,
    managerArgs: readonly string[],
    size = 3,
  ): Promise<BenchManagerGroup> {
    const dir = await ctx.resources.tempDir(`poseidon-bench-${tag}`);
    const args = ['--store', `${etcd.storeUrl}/${ctx.runId}-${tag}`, ...managerArgs];
    const track = { onSpawn: (p: PoseidonProcess) => ctx.resources.trackProcess(p) };
    const dataDirs = Array.from({ length: size }, (_, i) => join(dir, `m${i}`));
    const first = await spawnManager(dataDirs[0] as string, args, track);
    const joinToken = (await readFile(join(dataDirs[0] as string, 'manager-join-token'), 'utf8')).trim();
    const members = [first.process];
    for (const dataDir of dataDirs.slice(1))
      members.push(
        await spawnPoseidon(
          ['manager', '--port', '0', '--data-dir', dataDir, ...args, '--join-token', joinToken],
          track,
        ),
      );
    const urls = members.map((m) => m.url);
    const group = new BenchManagerGroup(ctx, { ...first.access, url: urls.join(',') }, urls, dataDirs, args, members);
    await group.waitForManagers(size);
    ctx.progress(`${tag}: managers ${members.map((m) => `${m.url} (pid ${m.pid})`).join(', ')} on ${etcd.storeUrl}`);
    return group;
  }

  /** Manager i's process as last started. */
  member(i: number): PoseidonProcess {
    const m = this.#members[i];
    if (m === undefined) throw new RangeError(`no manager ${i}`);
    return m;
  }

  /** The Manager API as the admin, through the given managers (all of them by default). */
  client(through: readonly string[] = this.urls, timeoutMs = 30_000): ManagerClient {
    return adminClient({ ...this.access, url: through.join(',') }, timeoutMs);
  }

  /** Which manager leads, as `GET /status` says; waits while none does. */
  async leaderIndex(): Promise<number> {
    return (await this.leader()).index;
  }

  /** Which manager leads and since when (epoch ms, its term's start as it wrote it), as `GET /status` says; waits while none does. */
  async leader(): Promise<{ index: number; sinceMs: number }> {
    const began = performance.now();
    for (;;) {
      this.ctx.signal.throwIfAborted();
      const status = await this.client().clusterStatus();
      const leader = status.managers.find((m) => m.leader);
      const index = leader === undefined ? -1 : this.urls.indexOf(leader.url);
      if (leader !== undefined && index >= 0) return { index, sinceMs: Date.parse(leader.since ?? '') };
      if (performance.now() - began > SETTLE_DEADLINE_MS)
        throw new BenchError(`no manager of the group leads after ${SETTLE_DEADLINE_MS} ms: ${JSON.stringify(status)}`);
      await sleep(50, undefined, { signal: this.ctx.signal });
    }
  }

  /** Until `GET /status` lists `n` managers, one of them leading. */
  async waitForManagers(n: number): Promise<void> {
    const began = performance.now();
    for (;;) {
      this.ctx.signal.throwIfAborted();
      const status = await this.client().clusterStatus();
      if (status.managers.length === n && status.managers.some((m) => m.leader)) return;
      if (performance.now() - began > SETTLE_DEADLINE_MS)
        throw new BenchError(
          `the group does not list ${n} managers after ${SETTLE_DEADLINE_MS} ms: ${JSON.stringify(status)}`,
        );
      await sleep(100, undefined, { signal: this.ctx.signal });
    }
  }

  /** Starts manager i again on its port and data dir (it must have exited), as its supervisor would. */
  async restart(i: number): Promise<void> {
    const port = new URL(this.urls[i] as string).port;
    this.#members[i] = await spawnPoseidon(
      ['manager', '--port', port, '--data-dir', this.dataDirs[i] as string, ...this.args],
      { onSpawn: (p) => this.ctx.resources.trackProcess(p) },
    );
  }

  /** Stops every manager by pid (SIGTERM, then SIGKILL); a leader stopping steps down first. */
  async stop(): Promise<void> {
    await Promise.all(this.#members.map((m) => m.stop()));
  }
}
