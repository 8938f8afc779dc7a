import { constants } from 'node:os';

// The rules of a task's process fields that the CLI checks before sending, as the spec checks
// them: a user (`USER[:GROUP]`) and a stop signal ("SIGINT", "INT", "2", in the one form Docker's
// StopSignal takes). No TypeBox here, so CLI modules may import it.

/** Who the container's process runs as: a user, and a group, each by name or number (`docker run -u`). */
export const USER_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?$';
export const USER_RULE = 'must be USER or USER:GROUP, each a name or a number, such as "1000:1000" or "nobody"';
const USER = new RegExp(USER_PATTERN);

export function isUser(text: string): boolean {
  return USER.test(text);
}

/** Linux's signals by number: 1 to 64 (the real-time ones have no name here; their number does). */
const MAX_SIGNAL = 64;

export const STOP_SIGNAL_RULE = 'must be a signal such as "SIGTERM", "SIGINT", "SIGQUIT" or "SIGUSR1", or its number';

/** "SIGINT", "int" and "INT" as "SIGINT"; "2" as "2"; undefined when it names no signal. */
export function normalStopSignal(text: string): string | undefined {
  const t = text.trim();
  if (/^[0-9]{1,2}$/.test(t)) {
    const n = Number(t);
    return n >= 1 && n <= MAX_SIGNAL ? String(n) : undefined;
  }
  const upper = t.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return Object.hasOwn(constants.signals, name) ? name : undefined;
}

/**
 * When a worker pulls a task's image, as `docker run --pull` and Compose's `pull_policy` say it:
 * `missing` (the default) only when its engine lacks it; `always` before each start, so a tag
 * pushed again (`app:latest`) runs as it now is; `never`: the image must be on the host already.
 */
export const PULL_POLICIES = ['missing', 'always', 'never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];
export const PULL_RULE = 'must be "missing", "always" or "never"';

export function isPullPolicy(text: string): text is PullPolicy {
  return (PULL_POLICIES as readonly string[]).includes(text);
}
