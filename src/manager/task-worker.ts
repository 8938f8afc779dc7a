import type { ManagerTaskView } from '../api/index.js';
import { PoseidonError, runningContainerOf } from '../errors/index.js';
import { isTerminal } from '../task/index.js';
import type { Manager } from './manager.js';

/**
 * A task whose container runs, and the URL of the worker that runs it (exec, top) with the node id
 * its certificate must name; NotRunning,
 * saying `why`, for one that does not run, or whose node the manager no longer knows.
 */
export function runningOn(
  manager: Manager,
  idOrPrefix: string,
  why?: string,
): { task: { id: string; name: string; node: string | null }; workerUrl: string; workerCertId: string | undefined } {
  const { task, workerUrl, workerCertId } = manager.locate(idOrPrefix);
  runningContainerOf(workerUrl === null ? { ...task, containerId: null } : task, why);
  return { task, workerUrl: workerUrl as string, workerCertId };
}

type NotRunningTask = Pick<ManagerTaskView, 'id' | 'name' | 'state' | 'reason'>;

/** A task with no container to read: one still on its way is worth waiting for, one that ended is not. */
export class TaskNotRunning extends PoseidonError {
  constructor(task: NotRunningTask, ended: (task: NotRunningTask) => string) {
    const named = `task ${task.name} (${task.id.slice(0, 8)})`;
    const why = task.reason === '' ? '' : ` (${task.reason})`;
    super(
      'task_not_placed',
      !isTerminal(task.state)
        ? `${named} is ${task.state}${why}, with no container yet; try again once it is Running`
        : `${named} ${ended(task)}`,
    );
  }
}
