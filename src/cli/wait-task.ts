import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagerClient, ManagerTaskView } from '../api/index.js';
import { PoseidonError } from '../errors/index.js';

export class WaitTimedOut extends PoseidonError {
  readonly code = 'wait_timed_out';
  readonly status = 408;
  constructor(id: string, state: string, reason: string, ms: number) {
    super(`task ${id.slice(0, 8)} is still ${state} after ${Math.round(ms / 1000)}s: ${reason}`);
  }
}

/** Polls until the task is Running or has ended (Completed/Failed). */
export async function waitForTask(client: ManagerClient, id: string, timeoutMs: number): Promise<ManagerTaskView> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  for (;;) {
    const t = await client.getTask(id);
    if (t.state === 'Running' || t.state === 'Completed' || t.state === 'Failed') return t;
    if (Date.now() > deadline) throw new WaitTimedOut(id, t.state, t.reason, timeoutMs);
    await sleep(delay);
    delay = Math.min(delay * 2, 250);
  }
}
