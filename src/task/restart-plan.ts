// How a task's reason says the restart its policy planned ("exited with code 1; restarting in 8.3s"):
// written by the manager when the task ends, read back by the manager (the reason once the plan is
// dropped) and by the web console, which counts the delay down from the task's restartAt.

/** What a reason says of a planned restart, `; restarting in 500ms`: true only until it happens. */
const RESTART_PLAN = /; restarting in .*$/;

/** A restart's delay as a reason says it: `500ms` under a second, else `8.3s`. */
export function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** The plan as the reason ends with it, after what ended the task. */
export function restartPlanText(delayMs: number): string {
  return `; restarting in ${formatDelay(delayMs)}`;
}

/** The reason without the restart its policy planned: why the task ended, which stays true after. */
export function withoutRestartPlan(reason: string): string {
  return reason.replace(RESTART_PLAN, '');
}

/** Whether the reason ends with a planned restart. */
export function saysRestartPlan(reason: string): boolean {
  return RESTART_PLAN.test(reason);
}
