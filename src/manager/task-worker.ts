import { runningContainerOf } from '../errors/index.js';
import type { Manager } from './manager.js';

/**
 * A task whose container runs, and the URL of the worker that runs it (exec, top); NotRunning,
 * saying `why`, for one that does not run, or whose node the manager no longer knows.
 */
export function runningOn(
  manager: Manager,
  idOrPrefix: string,
  why?: string,
): { task: { id: string; name: string }; workerUrl: string } {
  const { task, workerUrl } = manager.locate(idOrPrefix);
  runningContainerOf(workerUrl === null ? { ...task, containerId: null } : task, why);
  return { task, workerUrl: workerUrl as string };
}
