import { PoseidonError } from '../errors/index.js';

/** Task states, in lifecycle order. */
export const TaskState = {
  Pending: 'Pending',
  Scheduled: 'Scheduled',
  Running: 'Running',
  Completed: 'Completed',
  Failed: 'Failed',
} as const;
export type TaskState = (typeof TaskState)[keyof typeof TaskState];
export const TASK_STATES: readonly TaskState[] = Object.values(TaskState);

/**
 * The reason of a task a stop asked for has ended with, as its worker reports it: the manager
 * tells it apart from an exit of the task's own (and puts a service's reason for the stop there).
 */
export const STOPPED_ON_REQUEST = 'stopped on request';

/**
 * The one transition table. Moves not listed here throw InvalidTransition.
 * - Pending -> Completed/Failed: stopped or rejected before it was ever placed.
 * - Scheduled|Running -> Pending: its node went down, so it waits for a new placement.
 * - Running|Failed -> Scheduled: a restart (restart policy), placed at once.
 * - Completed -> Scheduled: restart policy `always` starts a task again after a clean exit.
 */
const NEXT: { readonly [S in TaskState]: readonly TaskState[] } = {
  Pending: ['Scheduled', 'Completed', 'Failed'],
  Scheduled: ['Running', 'Completed', 'Failed', 'Pending'],
  Running: ['Completed', 'Failed', 'Scheduled', 'Pending'],
  Completed: ['Scheduled'],
  Failed: ['Scheduled'],
};

export class InvalidTransition extends PoseidonError {
  constructor(
    readonly taskId: string,
    readonly from: TaskState,
    readonly to: TaskState,
  ) {
    super('invalid_transition', `task ${taskId} cannot move from ${from} to ${to}`);
  }
}

export function canTransition(from: TaskState, to: TaskState): boolean {
  return NEXT[from].includes(to);
}

/** Throws InvalidTransition unless `from -> to` is in the table. */
export function assertTransition(taskId: string, from: TaskState, to: TaskState): void {
  if (!canTransition(from, to)) throw new InvalidTransition(taskId, from, to);
}

/** A task that holds (or is about to hold) a container. */
export function isActive(state: TaskState): boolean {
  return state === TaskState.Scheduled || state === TaskState.Running;
}

export function isTerminal(state: TaskState): boolean {
  return state === TaskState.Completed || state === TaskState.Failed;
}
