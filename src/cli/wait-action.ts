import type { ManagerTaskView } from '../api/index.js';
import { STDIO, type Output } from './each-name.js';
import { errorLine } from './error-line.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { serviceHint, someOf } from './service-hint.js';
import { printable } from './terminal-text.js';
import { unplaceableOf, unplaceableText } from './unplaceable.js';
import { TaskUnplaceable, TaskWatch } from './wait-task.js';

// `poseidon wait TASK...`: blocks until each task has ended for good, and prints its exit code, a
// line each in the order given, as `docker wait` does: a script runs a job (`poseidon task -f
// job.json`) and takes its outcome. A task ends for good once Completed or Failed with no
// restart planned: one its restart policy starts again is waited for through the restarts.
// A task no node could ever hold (ManagerTaskView.unplaceable) would never end: it is not waited
// for, but said at once on stderr, in the line `run --wait` ends with (code unplaceable), while
// the others are waited for as before; the command then exits 1, as docker wait does when one of
// its containers fails. Those seen so at the first look are said before any wait.

/** The longest pause between two looks at a task when no event says anything changed. */
const POLL_MS = 2_000;

/** Ended, and not to be started again by its restart policy. */
export function endedForGood(t: Pick<ManagerTaskView, 'state' | 'restartAt'>): boolean {
  return (t.state === 'Completed' || t.state === 'Failed') && t.restartAt === null;
}

/** The exit code of the copy that ended last; null when none ran (it never started). */
export function finalExitCode(t: Pick<ManagerTaskView, 'exitCode' | 'lastExit'>): number | null {
  return t.exitCode ?? t.lastExit?.exitCode ?? null;
}

export async function waitTasks(names: readonly string[], flags: ClientFlags, io: Output = STDIO): Promise<void> {
  const client = managerClient(flags);
  const watch = new TaskWatch(client); // opened first: an end after the first look wakes the wait
  try {
    // every name is looked up before any wait: one that matches nothing is said at once
    const tasks: ManagerTaskView[] = [];
    for (const name of names) {
      try {
        tasks.push(await client.getTask(name));
      } catch (err) {
        throw await serviceHint(client, name, err, waitAdvice);
      }
    }
    const waited: ManagerTaskView[] = [];
    for (const t of tasks) if (!(await saidUnplaceable(t, io))) waited.push(t);
    for (const { id } of waited) {
      let task = await client.getTask(id);
      while (!endedForGood(task) && unplaceableOf(task) === undefined) {
        await watch.wake.after(POLL_MS);
        task = await client.getTask(id);
      }
      const code = finalExitCode(task);
      if (await saidUnplaceable(task, io)) continue;
      if (code !== null) io.out(`${code}\n`);
      else {
        io.err(`poseidon: task ${printable(task.name)} ended without running: ${printable(task.reason)}\n`);
        process.exitCode = 1;
      }
    }
  } finally {
    await watch.close();
  }
}

/** Says why the task can never be placed, and what to do (exit 1 at the end), when so; else false. */
async function saidUnplaceable(t: ManagerTaskView, io: Output): Promise<boolean> {
  const u = unplaceableOf(t);
  if (u === undefined) return false;
  io.err((await errorLine(new TaskUnplaceable(t, unplaceableText(u)))) ?? '');
  process.exitCode = 1;
  return true;
}

/** What to wait for when a service was named: its replicas never end while it wants them. */
function waitAdvice(service: string, replicas: readonly string[]): string {
  if (replicas.length === 0) return `it has no replicas to wait for`;
  return `its replicas, ${someOf(replicas)}, run until it is removed or scaled down (poseidon service rm ${service})`;
}
