import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagerTaskView } from '../api/index.js';
import type { ManagerClient } from '../client/index.js';
import { PoseidonError } from '../errors/index.js';
import { readLines } from '../ndjson/index.js';

export class WaitTimedOut extends PoseidonError {
  constructor(id: string, state: string, reason: string, ms: number) {
    super('wait_timed_out', `task ${id.slice(0, 8)} is still ${state} after ${Math.round(ms / 1000)}s: ${reason}`);
  }
}

/** How long the event stream may take to open before the first look goes ahead without it. */
const OPEN_WAIT_MS = 1_000;

/** Longest pause between two looks at the task when no event says it changed. */
const MAX_POLL_MS = 1_000;

/**
 * Waits until the task is Running or has ended (Completed/Failed). It follows the manager's
 * event stream, so it looks again the moment an event names the task, instead of up to a poll
 * interval later; a slow poll stays as the safety net (a stream that fails or ends, a manager
 * without one). The stream is opened before the first look, so no change falls between them.
 */
export async function waitForTask(client: ManagerClient, id: string, timeoutMs: number): Promise<ManagerTaskView> {
  const deadline = Date.now() + timeoutMs;
  const abort = new AbortController();
  const wake = new Wakeup();
  const following = followTask(client, id, abort.signal, () => wake.fire());
  try {
    await Promise.race([following.opened, sleep(OPEN_WAIT_MS, undefined, { ref: false })]);
    let delay = 20;
    for (;;) {
      const t = await client.getTask(id);
      if (t.state === 'Running' || t.state === 'Completed' || t.state === 'Failed') return t;
      if (Date.now() > deadline) throw new WaitTimedOut(id, t.state, t.reason, timeoutMs);
      await wake.after(Math.max(0, Math.min(delay, deadline - Date.now() + 1)));
      delay = Math.min(delay * 2, MAX_POLL_MS);
    }
  } finally {
    abort.abort();
    await following.done;
  }
}

/**
 * Calls `onEvent` for each event about task `id` until `signal` aborts; `opened` settles once the stream is open (or
 * could not be).
 */
function followTask(
  client: ManagerClient,
  id: string,
  signal: AbortSignal,
  onEvent: () => void,
): { opened: Promise<void>; done: Promise<void> } {
  let opened!: () => void;
  const openedPromise = new Promise<void>((resolve) => (opened = resolve));
  const done = (async () => {
    try {
      const events = await client.events(signal);
      opened();
      for await (const line of readLines(events, signal)) {
        if (line.includes(id) && (JSON.parse(line) as { taskId?: string }).taskId === id) onEvent();
      }
    } catch {
      // no stream (or it broke): the poll carries on alone
    } finally {
      opened();
    }
  })();
  return { opened: openedPromise, done };
}

/** A pause that an event can cut short. */
class Wakeup {
  #cut: (() => void) | undefined;
  #pending = false;

  fire(): void {
    if (this.#cut !== undefined) this.#cut();
    else this.#pending = true; // came between two pauses: the next one ends at once
  }

  after(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#cut = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#cut = done;
    });
  }
}
