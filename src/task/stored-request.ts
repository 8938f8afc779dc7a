import type { TaskRequest } from './request.js';
import { TASK_STATES } from './state-machine.js';

// What a stored task record must hold before a process relies on it. The manager and the worker
// each keep a record per task around the same request; a record from another version, or damaged,
// is set aside at load instead of throwing later in a part that reads it. TypeBox-free.

const STATES: ReadonlySet<unknown> = new Set(TASK_STATES);

/** True for one of the task states this version knows. */
export function isKnownState(state: unknown): boolean {
  return STATES.has(state);
}

/**
 * What makes a stored request unusable, or null: the fields every view and decision reads at
 * once (id, name, image, ports, command, labels).
 */
export function storedRequestProblem(request: unknown): string | null {
  const q = request as Partial<TaskRequest> | null | undefined;
  if (typeof q?.id !== 'string' || typeof q.name !== 'string' || typeof q.image !== 'string')
    return 'no request id, name or image';
  if (!Array.isArray(q.ports) || !Array.isArray(q.command) || typeof q.labels !== 'object' || q.labels === null)
    return 'a request without its ports, command or labels';
  return null;
}
