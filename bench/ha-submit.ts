import type { ManagerClient } from '../src/client/index.js';
import type { EtcdCluster } from '../testkit/etcd-cluster.js';
import type { ManagerAccess } from '../testkit/manager-access.js';
import type { BenchContext } from './context.js';
import { joinFakeWorkers, startFakeCluster } from './fake-cluster.js';
import { BenchManagerGroup } from './manager-group.js';
import { benchTaskBody, runLoad, type LoadOutcome } from './submit-load.js';
import { readCpuPressureUs, waitUntilSettled } from './submit-manager.js';
import { count } from './table.js';

// The `ha` benchmark's third part: durable submissions per second and their latency on etcd, sent
// to a group's leader and to one of its followers (which passes each on to the leader), and on
// LMDB (one manager), in the same run with the same clients, duration and simulated workers.
// bench/ha.ts reports it.

export interface SubmitPlan {
  clients: number;
  durationMs: number;
  /** Submissions before each measured load (JIT, connections); not counted. */
  warmup: number;
  simWorkers: number;
  managerArgs: readonly string[];
}

export interface SubmitSide {
  side: string;
  /** The manager the load was sent to. */
  url: string;
  load: LoadOutcome;
  /** Share of the load's wall time some task on the machine waited for a cpu (PSI); null where not readable. */
  cpuPressure: number | null;
}

/** How long the accepted tasks may take to reach the workers before the next load starts. */
const SETTLE_DEADLINE_MS = 120_000;
/** The count bound: the time bound ends every load first. */
const MAX_SUBMISSIONS = 1_000_000;

/** The three sides in this order: etcd through the leader, etcd through a follower, LMDB. */
export async function submitSides(ctx: BenchContext, etcd: EtcdCluster, plan: SubmitPlan): Promise<SubmitSide[]> {
  const out: SubmitSide[] = [];
  const group = await BenchManagerGroup.start(ctx, etcd, 'ha-submit', plan.managerArgs);
  try {
    const fleet = await joinFakeWorkers(ctx, 'ha-submit', group.access, plan.simWorkers);
    try {
      const leader = await group.leaderIndex();
      const follower = (leader + 1) % group.urls.length;
      for (const [side, i] of [
        ['etcd, 3 managers: to the leader', leader],
        ['etcd, 3 managers: to a follower', follower],
      ] as const) {
        const url = group.urls[i] as string;
        out.push(await measure(ctx, plan, side, { ...group.access, url }, group.client()));
      }
      // the leader may not change during the loads: a change would be in the figures
      if ((await group.leaderIndex()) !== leader) ctx.progress('ha: the group changed leaders during the loads');
    } finally {
      await fleet.stop(() => group.stop());
    }
  } finally {
    await group.stop();
  }
  const lmdb = await startFakeCluster(ctx, 'ha-lmdb', plan.simWorkers, plan.managerArgs);
  try {
    out.push(await measure(ctx, plan, 'LMDB, 1 manager', lmdb.access, lmdb.client));
  } finally {
    await lmdb.stop();
  }
  return out;
}

/** A warm-up, then the measured load, each followed by a wait until every accepted task is on a worker. */
async function measure(
  ctx: BenchContext,
  plan: SubmitPlan,
  side: string,
  target: ManagerAccess,
  client: ManagerClient,
): Promise<SubmitSide> {
  const load = (maxRequests: number, maxDurationMs: number, name: string): Promise<LoadOutcome> =>
    runLoad({
      url: target.url,
      ca: target.caPem,
      token: target.adminToken,
      clients: plan.clients,
      maxRequests,
      maxDurationMs,
      body: (i) => benchTaskBody(ctx.runId, `${name}-${i}`),
      signal: ctx.signal,
    });
  ctx.progress(`ha: ${side} (${target.url}): warm-up, ${plan.warmup} submissions`);
  await load(plan.warmup, 60_000, 'bench-ha-warmup');
  await waitUntilSettled(ctx, client, 'ha', SETTLE_DEADLINE_MS);
  ctx.progress(`ha: ${side}: ${plan.clients} clients for ${plan.durationMs / 1000} s`);
  const pressureBefore = await readCpuPressureUs();
  const measured = await load(MAX_SUBMISSIONS, plan.durationMs, 'bench-ha-submit');
  const pressureAfter = await readCpuPressureUs();
  const cpuPressure =
    pressureBefore === null || pressureAfter === null
      ? null
      : (pressureAfter - pressureBefore) / 1000 / measured.elapsedMs;
  ctx.progress(`ha: ${side}: ${count(measured.accepted.length)} accepted; waiting until they are on workers`);
  await waitUntilSettled(ctx, client, 'ha', SETTLE_DEADLINE_MS);
  return { side, url: target.url, load: measured, cpuPressure };
}
