// Whether a task's last exit (why its last copy ended, kept across restarts) tells people
// something its reason does not. Shared by `poseidon status ID` and the console's task page.

/** The fields it looks at; `lastExit` is absent from an older manager's answers. */
export interface WithLastExit {
  restarts: number;
  reason: string;
  lastExit?: { reason: string } | null;
}

/**
 * True after a restart (the copy's exit code and health were cleared) and while a restart waits
 * for room (the reason says that instead); false when the reason still says why it ended.
 */
export function lastExitAddsToReason(t: WithLastExit): boolean {
  const last = t.lastExit;
  if (last === undefined || last === null) return false;
  return t.restarts > 0 || !t.reason.startsWith(last.reason);
}
