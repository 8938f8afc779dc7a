import { constants } from 'node:os';

// A task's stop signal as people write it ("SIGINT", "INT", "2"), in the one form Docker's
// StopSignal takes. No TypeBox here: the CLI checks `--stop-signal` with it before sending.

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
