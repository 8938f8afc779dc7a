// A task's health as people read it, in `poseidon status TASK` and the console (its task page, a
// service's replicas): a check's verdict belongs to a running container. Once it ended, the last
// verdict stays in the record (as `docker inspect` keeps an exited container's `.State.Health`, and
// `--json` shows it), but shown as the task's health it would read as a container still checked.

import { noContainerText, type WithContainer } from './no-container-text.js';

/** The verdict (`healthy`, `starting`, `none`...) while it runs; otherwise why there is none (noContainerText). */
export function healthText(t: WithContainer, status: string): string {
  return t.state === 'Running' ? status : noContainerText(t);
}
