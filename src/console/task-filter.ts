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

/** The overview's task list as chosen: the state listed and the text found by. */
export interface TaskChoice {
  state: TaskState | 'all';
  query: string;
}

/**
 * The choice an overview address holds (`#/?state=Failed&find=web`): kept in the address, the back
 * button returns to the list as it was left. What is not a state or too long is left out.
 */
export function choiceOf(hash: string, states: readonly TaskState[]): TaskChoice {
  const at = hash.indexOf('?');
  const params = new URLSearchParams(at < 0 ? '' : hash.slice(at + 1));
  const state = states.find((s) => s === params.get('state')) ?? 'all';
  return { state, query: (params.get('find') ?? '').slice(0, MAX_QUERY) };
}

/** The overview's address for a choice: `#/` for all tasks found by nothing. */
export function choiceHash(choice: TaskChoice): string {
  const params = new URLSearchParams();
  if (choice.state !== 'all') params.set('state', choice.state);
  if (choice.query !== '') params.set('find', choice.query);
  const query = params.toString();
  return query === '' ? '#/' : `#/?${query}`;
}
