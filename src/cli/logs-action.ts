import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagerTaskView } from '../api/index.js';
import type { ManagerClient } from '../client/index.js';
import { InvalidField } from '../errors/index.js';
import { managerClient, type ClientFlags } from './manager-client.js';

export interface LogsFlags extends ClientFlags {
  follow?: boolean;
  tail?: string;
}

/** How often --follow looks at the task while it has no container to follow (it starts, or restarts). */
const LOOK_AGAIN_MS = 250;

/**
 * `poseidon logs <id>`: the container's output through the manager; Ctrl-C ends a --follow
 * quietly. With --follow it waits for a task that has no container yet, and follows the task
 * across restarts (each new container from its first line, said on stderr) until it ends for good.
 */
export async function printLogs(id: string, flags: LogsFlags): Promise<void> {
  if (flags.tail !== undefined && !/^[0-9]{1,9}$/.test(flags.tail))
    throw new InvalidField('--tail', `is "${flags.tail}"; use a number of lines`);
  const client = managerClient(flags);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const tail = flags.tail === undefined ? undefined : Number(flags.tail);
  if (flags.follow !== true) {
    await copy(await client.logs(id, { follow: false, ...(tail === undefined ? {} : { tail }), signal: abort.signal }));
    return;
  }
  try {
    await follow(client, await client.getTask(id), tail, abort.signal);
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  }
}

async function follow(
  client: ManagerClient,
  first: ManagerTaskView,
  tail: number | undefined,
  signal: AbortSignal,
): Promise<void> {
  let task = first;
  let followed: string | null = null;
  let endedOnce = false;
  for (;;) {
    if (task.containerId !== null && task.containerId !== followed) {
      if (followed !== null)
        process.stderr.write(`poseidon: task ${task.id.slice(0, 8)} restarted (restart ${task.restarts}):\n`);
      // the first container from `tail`, the ones after it whole
      const lines = followed === null ? tail : undefined;
      followed = task.containerId;
      try {
        await copy(
          await client.logs(task.id, { follow: true, ...(lines === undefined ? {} : { tail: lines }), signal }),
        );
      } catch (err) {
        // it had no container yet after all, or the one it had is gone: look again, unless
        // nothing more will come
        if (!isAwayForNow(err) || endedForGood(task)) throw err;
      }
    } else {
      // ended for good when seen so twice: a failure's restart is decided just after it is reported
      if (endedForGood(task)) {
        if (endedOnce) return;
        endedOnce = true;
      } else endedOnce = false;
      await sleep(LOOK_AGAIN_MS, undefined, { signal });
    }
    task = await client.getTask(task.id);
  }
}

/** Stopped, or finished with no restart to come. */
function endedForGood(t: ManagerTaskView): boolean {
  const finished = t.state === 'Completed' || t.state === 'Failed';
  return finished && (t.desiredState === 'stopped' || t.restartAt === null);
}

function isAwayForNow(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'task_not_placed' || code === 'container_gone';
}

async function copy(output: NodeJS.ReadableStream): Promise<void> {
  for await (const chunk of output) process.stdout.write(chunk as Buffer);
}
