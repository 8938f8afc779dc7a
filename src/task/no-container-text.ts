// What a row about a task's running container (`poseidon status TASK`'s Health and Ports, the
// console's health) shows when none runs, in place of what a running one would have.

/** A task whose container ended (Completed or Failed): nothing of it is checked or published any more. */
export const CONTAINER_ENDED = '- (container ended)';
/** A task with no container running yet (Pending, Scheduled, or ended before it had one). */
export const CONTAINER_NOT_RUNNING = '- (not running)';

/** The fields it looks at: the task's state, its container (null before its first). */
export interface WithContainer {
  state: string;
  containerId: string | null;
}

/** For a task that runs no container: CONTAINER_ENDED once one it had ended, else CONTAINER_NOT_RUNNING. */
export function noContainerText(t: WithContainer): string {
  return (t.state === 'Completed' || t.state === 'Failed') && t.containerId !== null
    ? CONTAINER_ENDED
    : CONTAINER_NOT_RUNNING;
}
