import type { TaskState, TaskView } from './decode.js';

// Which tasks the overview's table lists: those of the state chosen, whose name holds what was
// typed or whose id starts with it (as `poseidon status -f name=` and `-f id=` choose), newest first.

/** The longest text the find box takes: more than a task id or a DNS name is no search. */
export const MAX_QUERY = 64;

export function tasksShown(tasks: Iterable<TaskView>, state: TaskState | 'all', query: string): TaskView[] {
  const q = query.trim().toLowerCase().slice(0, MAX_QUERY);
  const shown = [...tasks].filter(
    (t) => (state === 'all' || t.state === state) && (q === '' || t.name.includes(q) || t.id.startsWith(q)),
  );
  return shown.sort((a, b) => (a.submittedAt < b.submittedAt ? 1 : a.submittedAt > b.submittedAt ? -1 : 0));
}
