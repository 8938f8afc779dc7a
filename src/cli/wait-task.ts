import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagerTaskView } from '../api/index.js';
import type { ManagerClient } from '../client/index.js';
import { PoseidonError } from '../errors/index.js';
import { readLines } from '../ndjson/index.js';
import { unplaceableOf, unplaceableText } from './unplaceable.js';
import { Wakeup } from './wakeup.js';

/**
 * The wait ended, not the task: it goes on (placed once there is room, as `docker service create`
 * says of its own wait, "operation continuing in background"), so the line says how to follow or
 * withdraw it.
 */
export class WaitTimedOut extends PoseidonError {
  constructor(id: string, state: string, reason: string, ms: number) {
    const short = id.slice(0, 8);
    super(
      'wait_timed_out',
      `task ${short} is still ${state} after ${Math.round(ms / 1000)}s: ${reason} ` +
        `(it goes on: poseidon status ${short} follows it, poseidon stop ${short} withdraws it)`,
    );
  }
}

/**
 * No node of the cluster could ever hold the task (more memory than any node has, a constraint no
 * node meets): it would wait until someone acts, so the wait ends at once with why and what to do.
 * The task is left as it is: it is placed when a node that can hold it joins.
 */
export class TaskUnplaceable extends PoseidonError {
  constructor(t: ManagerTaskView, text: string) {
    const id = t.id.slice(0, 8);
    super('unplaceable', `task ${id} (${t.name}) cannot be placed: ${text} (it stays Pending: poseidon stop ${id})`);
  }
}

/** Throws TaskUnplaceable when the task's view says no node could ever hold it; else its outcome. */
function lookAt(t: ManagerTaskView): TaskOutcome {
  const u = unplaceableOf(t);
  if (u !== undefined) throw new TaskUnplaceable(t, unplaceableText(u));
  return outcomeOf(t);
}

/** Where a task got to, as its latest record or event says. */
export interface TaskOutcome {
  id: string;
  state: string;
  /** The node's name; null when it has none. */
  node: string | null;
  reason: string;
}

/** How long the event stream may take to open before the first look goes ahead without it. */
const OPEN_WAIT_MS = 1_000;

/** Longest pause between two looks at the task when no event says it changed. */
const MAX_POLL_MS = 1_000;

/**
 * How long a wait goes on watching after it hears Running: a command that exits at once (a typo,
 * a missing file) still starts, since the init process Poseidon runs as PID 1 is there, and dies
 * a few milliseconds later. Its Failed comes in the worker's next report, at most REPORT_GAP_MS
 * (50 ms) after the Running one, so the wait says Failed with its output where `docker run` says
 * the command was not found. swarmkit's service create watches 5 s for the same reason.
 */
export const SETTLE_MS = 200;

/** Completed or Failed: the task ran and ended. */
function hasEnded(state: string): boolean {
  return state === 'Completed' || state === 'Failed';
}

/**
 * Submits a task (`submit`) and waits until it has been Running for `settleMs` or has ended. The
 * manager's event stream is opened first, its connection made while the submission's is, and the
 * task's own events say where it got: nothing is asked after them, so hearing of the start costs
 * no round trip. A slow poll stays as the safety net (a stream that fails or ends, a manager
 * without one). A task no node could ever hold ends the wait at once (TaskUnplaceable), as the
 * poll sees it.
 */
export async function submitAndWait(
  client: ManagerClient,
  submit: () => Promise<ManagerTaskView>,
  timeoutMs: number,
  settleMs = SETTLE_MS,
): Promise<{ submitted: ManagerTaskView; outcome: TaskOutcome }> {
  const deadline = Date.now() + timeoutMs;
  const watch = new TaskWatch(client);
  try {
    const submitted = await submit();
    const id = submitted.id;
    if (hasEnded(submitted.state)) return { submitted, outcome: outcomeOf(submitted) };
    lookAt(submitted);
    await Promise.race([watch.opened, sleep(OPEN_WAIT_MS, undefined, { ref: false })]);
    // an event from before the stream subscribed is not in it: one look catches up (while the container starts)
    let seen = lookAt(await client.getTask(id));
    let delay = 20;
    /** When the wait first heard Running, and what it heard. */
    let running: { at: number; outcome: TaskOutcome } | undefined;
    for (;;) {
      const heard = watch.latest(id);
      if (heard !== undefined && hasEnded(heard.state)) return { submitted, outcome: heard };
      if (hasEnded(seen.state)) return { submitted, outcome: seen };
      const now = heard?.state === 'Running' ? heard : seen.state === 'Running' ? seen : undefined;
      if (running === undefined && now !== undefined) running = { at: Date.now(), outcome: now };
      const settled = running === undefined ? undefined : running.at + settleMs;
      if (running !== undefined && Date.now() >= running.at + settleMs) {
        if (watch.isOpen) return { submitted, outcome: running.outcome };
        // no stream to have said it ended: one last look
        seen = lookAt(await client.getTask(id));
        return { submitted, outcome: hasEnded(seen.state) ? seen : running.outcome };
      }
      if (running === undefined && Date.now() > deadline)
        throw new WaitTimedOut(id, seen.state, seen.reason, timeoutMs);
      // with the stream open an event wakes the wait; the poll is only its safety net
      const pause = Math.min(watch.isOpen ? MAX_POLL_MS : delay, (settled ?? Infinity) - Date.now());
      const woke = await watch.wake.after(Math.max(0, Math.min(pause, deadline - Date.now() + 1)));
      if (woke === 'timer' && (settled === undefined || Date.now() < settled)) seen = lookAt(await client.getTask(id));
      delay = Math.min(delay * 2, MAX_POLL_MS);
    }
  } finally {
    await watch.close();
  }
}

/** Waits until task `id`, submitted already, has been Running a moment or has ended; its whole record then. */
export async function waitForTask(client: ManagerClient, id: string, timeoutMs: number): Promise<ManagerTaskView> {
  const { outcome } = await submitAndWait(client, () => client.getTask(id), timeoutMs);
  return client.getTask(outcome.id);
}

function outcomeOf(t: ManagerTaskView): TaskOutcome {
  return { id: t.id, state: t.state, node: t.node, reason: t.reason };
}

/** The manager's events, followed from now until close(): the latest state each task's events named. */
export class TaskWatch {
  readonly wake = new Wakeup();
  /** Settles once the stream is open, or could not be. */
  readonly opened: Promise<void>;
  #open = false;
  readonly #latest = new Map<string, TaskOutcome>();
  readonly #abort = new AbortController();
  readonly #done: Promise<void>;

  constructor(client: ManagerClient) {
    let opened!: () => void;
    this.opened = new Promise<void>((resolve) => (opened = resolve));
    this.#done = (async () => {
      try {
        const events = await client.events(this.#abort.signal);
        this.#open = true;
        opened();
        for await (const line of readLines(events, this.#abort.signal)) this.#take(line);
      } catch {
        // no stream (or it broke): the poll carries on alone
      } finally {
        this.#open = false;
        opened();
        this.wake.fire();
      }
    })();
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** The latest state the task's events named, or its first end once one was heard. */
  latest(id: string): TaskOutcome | undefined {
    return this.#latest.get(id);
  }

  #take(line: string): void {
    if (!line.includes('"taskId"')) return;
    const e = JSON.parse(line) as { taskId?: unknown; state?: unknown; node?: unknown; reason?: unknown };
    if (typeof e.taskId !== 'string' || typeof e.state !== 'string') return;
    // the first end stays: a restart that follows within one read of the stream does not hide it
    const before = this.#latest.get(e.taskId);
    if (before !== undefined && hasEnded(before.state) && !hasEnded(e.state)) return;
    const node = typeof e.node === 'string' ? e.node : null;
    this.#latest.set(e.taskId, {
      id: e.taskId,
      state: e.state,
      node,
      reason: typeof e.reason === 'string' ? e.reason : '',
    });
    this.wake.fire();
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#done;
  }
}
