import type { TaskRecord } from '../../../src/manager/records.js';
import { submitted } from '../../../src/manager/transitions.js';
import type { TaskState } from '../../../src/task/index.js';
import { taskRequest } from '../../helpers/task-request.js';

export const T0 = '2025-01-01T00:00:00.000Z';

/** A task record as the manager would hold it, Pending unless the fields say otherwise. */
export function taskRecord(id: string, fields: Partial<TaskRecord> = {}): TaskRecord {
  return { ...submitted(taskRequest(id), T0), ...fields };
}

/** A record in `state` on `nodeId` under `generation`. */
export function on(id: string, state: TaskState, nodeId: string, generation = 1, fields: Partial<TaskRecord> = {}) {
  return taskRecord(id, { state, nodeId, generation, ...fields });
}

/** Freezes a record all the way down, so a test proves a function never changes what it was given. */
export function frozen(rec: TaskRecord): TaskRecord {
  const freeze = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
    for (const child of Object.values(v)) freeze(child);
    Object.freeze(v);
  };
  freeze(rec);
  return rec;
}
