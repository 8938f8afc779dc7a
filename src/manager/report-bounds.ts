import { REPORT_SLACK, type TaskReport } from '../api/index.js';
import { fieldPath, InvalidField } from '../errors/index.js';

/**
 * Refuses a heartbeat's or report's task list that is longer than the tasks the manager placed on
 * the node allow (`owned` + REPORT_SLACK), or names a task twice: each entry costs a lookup, and an
 * entry for a copy the node should not hold costs a stop call and a log line, so a node cannot
 * make the manager do more than its share. Checked before anything is applied.
 */
export function checkReportList(reports: readonly TaskReport[], owned: number, field = 'tasks'): void {
  const max = owned + REPORT_SLACK;
  if (reports.length > max) {
    throw new InvalidField(
      field,
      `has ${reports.length} entries; the node holds ${owned} tasks here, so at most ${max} (${REPORT_SLACK} spare)`,
    );
  }
  const seen = new Map<string, number>();
  reports.forEach((r, i) => {
    const first = seen.get(r.taskId);
    if (first !== undefined)
      throw new InvalidField(
        fieldPath(field, i, 'taskId'),
        `repeats ${fieldPath(field, first, 'taskId')} (${r.taskId}); one entry a task`,
      );
    seen.set(r.taskId, i);
  });
}
