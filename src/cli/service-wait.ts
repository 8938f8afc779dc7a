import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceTaskView } from '../api/index.js';
import type { ManagerClient } from '../client/index.js';
import { PoseidonError } from '../errors/index.js';
import { replicaState } from './service-format.js';

// `--wait` for services: a look every half second, a line for each replica whose state changed.

const POLL_MS = 500;

export class ServiceWaitTimedOut extends PoseidonError {
  constructor(name: string, what: string, ms: number) {
    super('wait_timed_out', `service ${name}: ${what} after ${Math.round(ms / 1000)}s`);
  }
}

/** Prints each replica's state as it changes. */
function tracker(write: (line: string) => void): (tasks: readonly ServiceTaskView[]) => void {
  const seen = new Map<string, string>();
  return (tasks) => {
    for (const t of tasks) {
      const where = t.node === null ? '' : ` on ${t.node}`;
      const line = `${t.name} (slot ${t.slot}, version ${t.version}): ${replicaState(t)}${where}`;
      if (seen.get(t.id) !== line) write(line);
      seen.set(t.id, line);
    }
  };
}

/** Until every replica is healthy; false if the service is gone meanwhile. */
export async function waitForReplicas(
  client: ManagerClient,
  name: string,
  timeoutMs: number,
  write: (line: string) => void,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const show = tracker(write);
  for (;;) {
    const [s, tasks] = await Promise.all([client.getService(name), client.serviceTasks(name)]);
    show(tasks);
    if (s.healthy === s.replicas) {
      write(`service ${name}: ${s.healthy}/${s.replicas} replicas healthy`);
      return true;
    }
    if (Date.now() > deadline) throw new ServiceWaitTimedOut(name, `${s.healthy}/${s.replicas} healthy`, timeoutMs);
    await sleep(POLL_MS);
  }
}

/** Until the rollout ends; true when it ended as `want` (an update completed, a rollback rolled back). */
export async function waitForRollout(
  client: ManagerClient,
  name: string,
  timeoutMs: number,
  write: (line: string) => void,
  want: 'completed' | 'rolled_back',
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const show = tracker(write);
  for (;;) {
    const [s, tasks] = await Promise.all([client.getService(name), client.serviceTasks(name)]);
    show(tasks);
    const u = s.update;
    if (u === null || (u.state !== 'updating' && u.state !== 'rolling_back')) {
      write(`service ${name}: ${u === null ? 'no rollout' : `${u.state}: ${u.reason}`}`);
      return u === null || u.state === want;
    }
    if (Date.now() > deadline)
      throw new ServiceWaitTimedOut(name, `still ${u.state} ${u.updated}/${u.total}`, timeoutMs);
    await sleep(POLL_MS);
  }
}
