import { age, taskPorts, taskState } from './format.js';
import { formatField, type FormatField } from './row-format.js';
import type { TableTask } from './task-table-fields.js';
import { reasonText } from './unplaceable.js';

// `poseidon status --format`: what a template may show of a task, under `docker ps`'s names where
// they mean the same (.ID, .Names, .Image, .State, .Status, .Ports, .RunningFor, .CreatedAt).

/** `table` alone: the columns status shows (less SERVICE, which it adds for replicas). */
export const TASK_TABLE_TEMPLATE =
  'table {{.ID}}\t{{.Name}}\t{{.Image}}\t{{.Status}}\t{{.Node}}\t{{.Ports}}\t{{.Restarts}}\t' +
  '{{.RunningFor}}\t{{.Reason}}';

/** The fields; `.ID` whole with `noTrunc`, its first 8 characters otherwise, as the table shows it. */
export function taskFields(nowMs: number, noTrunc: boolean): Array<FormatField<TableTask>> {
  const field = formatField<TableTask>;
  return [
    field('ID', 'ID', (t) => (noTrunc ? t.id : t.id.slice(0, 8))),
    field('Name', 'NAME', (t) => t.name),
    field('Names', 'NAMES', (t) => t.name),
    field('Service', 'SERVICE', (t) => t.service ?? ''),
    field('Slot', 'SLOT', (t) => (t.slot === undefined ? '' : String(t.slot))),
    field('Image', 'IMAGE', (t) => t.image),
    field('State', 'STATE', (t) => t.state),
    // the header the default table gives this column (as .RunningFor's is its AGE)
    field('Status', 'STATE', taskState),
    field('Node', 'NODE', (t) => t.node ?? ''),
    field('Ports', 'PORTS', taskPorts),
    field('Restarts', 'RESTARTS', (t) => String(t.restarts)),
    field('RunningFor', 'AGE', (t) => age(t.submittedAt, nowMs)),
    field('CreatedAt', 'CREATED AT', (t) => t.submittedAt),
    field('Reason', 'REASON', reasonText),
  ];
}
