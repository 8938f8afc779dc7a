import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagerClient } from '../src/client/index.js';
import { BenchError } from './bench-error.js';
import type { BenchCluster } from './cluster-processes.js';
import type { BenchContext } from './context.js';
import { BENCH_IMAGE } from './docker-engine.js';
import type { BenchManagerGroup } from './manager-group.js';
import { ms } from './table.js';

// The `ha` benchmark's first part: the leader of a group killed (kill -9), and a submission sent
// at once through a client that knows every manager, until a new leader has accepted it (201)
// and placed it (Running). bench/ha.ts reports it.

/** How often the task is asked for until it is Running. */
const POLL_MS = 20;
/** A submission not Running by then has failed the benchmark. */
const RUNNING_DEADLINE_MS = 60_000;
const TASK = { image: BENCH_IMAGE, command: ['sleep', '300'] };

/** One leader kill, ms from the SIGKILL. */
export interface LeaderKill {
  /** Before the kill, with the same group and workers: a submission until Running, no kill (ms from the POST). */
  noKillMs: number;
  /** Until the new leader's term began, by its own clock (`GET /status` since; ms resolution). */
  electedMs: number;
  /** Until the 201 (the client's own retries included). */
  acceptedMs: number;
  /** Until a GET of the task said Running. */
  runningMs: number;
  /** Index of the manager killed, and of the one that led afterwards. */
  killed: number;
  newLeader: number;
}

export class TaskNeverRan extends BenchError {}

/**
 * `kills` times: a submission until Running with no kill (the same path without the failover),
 * then finds the leader, SIGKILLs it by pid and at once submits a task through a new
 * client with every manager's URL (it tries the others on a refused connection and waits out
 * `no_leader`/`not_leader` answers by itself), then polls the task until Running. Untimed
 * afterwards: the task is stopped, the killed manager started again on its port and data dir,
 * and the group waited for until it lists three managers.
 */
export async function killLeaders(
  ctx: BenchContext,
  group: BenchManagerGroup,
  cluster: BenchCluster,
  kills: number,
): Promise<LeaderKill[]> {
  const out: LeaderKill[] = [];
  for (let rep = 0; rep < kills; rep++) {
    ctx.signal.throwIfAborted();
    const client = group.client();
    const noKillMs = await submitUntilRunning(client, cluster, `bench-ha-nokill-${rep}`, ctx.signal);
    const killed = await group.leaderIndex();
    const victim = group.member(killed);
    const task = cluster.task(`bench-ha-kill-${rep}`, TASK);
    const killedAtEpochMs = Date.now();
    const killedAt = performance.now();
    process.kill(victim.pid, 'SIGKILL'); // this manager's pid only
    await client.submit(task.body);
    const acceptedAt = performance.now();
    await untilRunning(client, task.id, ctx.signal);
    const runningAt = performance.now();
    await victim.kill(); // resolves once it has exited
    const { index: newLeader, sinceMs } = await group.leader();
    const k: LeaderKill = {
      noKillMs,
      electedMs: sinceMs - killedAtEpochMs,
      acceptedMs: acceptedAt - killedAt,
      runningMs: runningAt - killedAt,
      killed,
      newLeader,
    };
    out.push(k);
    ctx.progress(
      `ha: kill ${rep + 1}/${kills}: leader m${killed} killed; m${newLeader} leads after ${ms(k.electedMs)} ms; ` +
        `201 after ${ms(k.acceptedMs)} ms, Running after ${ms(k.runningMs)} ms (without a kill: ${ms(noKillMs)} ms)`,
    );
    await client.stopTask(task.id);
    await group.restart(killed);
    await group.waitForManagers(3);
    await untilStopped(client, task.id, ctx.signal);
  }
  return out;
}

/** Submits a task and waits until it is Running, stops it and waits until it is gone; the ms until Running. */
async function submitUntilRunning(
  client: ManagerClient,
  cluster: BenchCluster,
  name: string,
  signal: AbortSignal,
): Promise<number> {
  const task = cluster.task(name, TASK);
  const sentAt = performance.now();
  await client.submit(task.body);
  await untilRunning(client, task.id, signal);
  const runningMs = performance.now() - sentAt;
  await client.stopTask(task.id);
  await untilStopped(client, task.id, signal);
  return runningMs;
}

async function untilRunning(client: ManagerClient, id: string, signal: AbortSignal): Promise<void> {
  const began = performance.now();
  for (;;) {
    const t = await client.getTask(id);
    if (t.state === 'Running') return;
    if (t.state === 'Failed' || t.state === 'Completed')
      throw new TaskNeverRan(`task ${id} ended (${t.state}) before it ran after a leader kill`);
    if (performance.now() - began > RUNNING_DEADLINE_MS)
      throw new TaskNeverRan(`task ${id} not Running ${RUNNING_DEADLINE_MS} ms after a leader kill (${t.state})`);
    await sleep(POLL_MS, undefined, { signal });
  }
}

/** Untimed: until the stopped task is no longer Running (its container is gone by then). */
async function untilStopped(client: ManagerClient, id: string, signal: AbortSignal): Promise<void> {
  const began = performance.now();
  while ((await client.getTask(id)).state === 'Running') {
    if (performance.now() - began > RUNNING_DEADLINE_MS)
      throw new BenchError(`task ${id} still Running ${RUNNING_DEADLINE_MS} ms after it was stopped`);
    await sleep(100, undefined, { signal });
  }
}
