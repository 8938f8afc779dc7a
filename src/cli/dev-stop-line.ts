import type { TaskState } from '../task/state-machine.js';

// The line `poseidon dev` ends with: the tasks it leaves that have not ended, each counted as what
// it is (only a Running one runs: a Pending one waits for a node, a Scheduled one for its
// container), and what becomes of them.

/** The states of a task that has not ended, in the order the line names them. */
const NOT_ENDED: readonly TaskState[] = ['Running', 'Scheduled', 'Pending'];

/**
 * `states`: those of the cluster's tasks (undefined: the manager could not be asked).
 * `workerRemoved`: its worker was removed (node rm), so the next `poseidon dev` cannot take them over.
 */
export function devStopLine(states: readonly TaskState[] | undefined, workerRemoved: boolean): string {
  const counts = NOT_ENDED.map((s): [TaskState, number] => [s, states?.filter((t) => t === s).length ?? 0]).filter(
    ([, n]) => n > 0,
  );
  if (states !== undefined && counts.length === 0) return 'poseidon dev: stopped; no task was left running\n';
  const n = counts.reduce((sum, [, c]) => sum + c, 0);
  const them = n === 1 ? 'it' : 'them';
  const after = workerRemoved
    ? `its worker was removed: poseidon dev --clean removes ${them}, then poseidon dev makes a new cluster`
    : `the next poseidon dev takes ${them} over; poseidon dev --clean removes ${them}`;
  const word = (s: TaskState): string => (s === 'Running' ? 'running' : s);
  const tasks = `${n} ${n === 1 ? 'task' : 'tasks'}`;
  // "2 tasks left running", "1 task left Pending", "3 tasks left: 1 running, 2 Pending"
  const what =
    states === undefined
      ? 'its tasks left as they were'
      : counts.length === 1
        ? `${tasks} left ${word(counts[0]?.[0] as TaskState)}`
        : `${tasks} left: ${counts.map(([s, c]) => `${c} ${word(s)}`).join(', ')}`;
  return `poseidon dev: stopped; ${what} (${after})\n`;
}
