// A task's health as people read it, in `poseidon status TASK` and the console (its task page, a
// service's replicas): a check's verdict belongs to a running container. Once it ended, the last
// verdict stays in the record (as `docker inspect` keeps an exited container's `.State.Health`, and
// `--json` shows it), but shown as the task's health it would read as a container still checked.

/** The fields it looks at beside the status: the task's state, its container (null before its first). */
export interface WithHealth {
  state: string;
  containerId: string | null;
}

/** Shown for a task whose container ended (Completed or Failed), whatever its last verdict was. */
export const HEALTH_ENDED = '- (container ended)';
/** Shown for a task with no container running yet (Pending, Scheduled, or ended before it had one). */
export const HEALTH_NOT_RUNNING = '- (not running)';

/** The verdict (`healthy`, `starting`, `none`...) while it runs; otherwise why there is none. */
export function healthText(t: WithHealth, status: string): string {
  if (t.state === 'Running') return status;
  return (t.state === 'Completed' || t.state === 'Failed') && t.containerId !== null
    ? HEALTH_ENDED
    : HEALTH_NOT_RUNNING;
}
