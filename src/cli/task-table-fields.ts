import type { ManagerTaskView } from '../api/index.js';

/**
 * What taskTable (format.ts) shows of a task: `poseidon status` asks the manager for these alone.
 * A file of its own so that `status` can send its request before it loads the table's code.
 */
export const TASK_TABLE_FIELDS = [
  'id',
  'name',
  'service',
  'slot',
  'image',
  'desiredState',
  'state',
  'node',
  'ports',
  'restarts',
  'submittedAt',
  'reason',
  'unplaceable',
] as const satisfies ReadonlyArray<keyof ManagerTaskView>;
export type TableTask = Pick<ManagerTaskView, (typeof TASK_TABLE_FIELDS)[number]>;
