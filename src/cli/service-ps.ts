import type { ServiceTaskView } from '../api/index.js';
import { InvalidField } from '../errors/index.js';
import { filterPairs } from './filter-flag.js';
import { formatField, type FormatField } from './row-format.js';
import { failingCheck, replicaState, type HistoryTask } from './service-format.js';
import { keptHere, stateOf } from './status-filter.js';
import { reasonText } from './unplaceable.js';
import { slotOrder } from './slot-order.js';

// `poseidon service ps NAME` as `docker service ps` takes --format and -f: a row for each live
// replica and each ended task its slot keeps, in the table's order, its fields named as docker's
// where they mean the same (.ID, .Name, .Image, .Node, .DesiredState).

/** A line of `service ps`: a live replica (`live`), or an ended task its slot keeps. */
export interface ServicePsRow {
  readonly id: string;
  readonly name: string;
  readonly slot: number;
  readonly version: number | undefined;
  readonly image: string;
  /** The task's state as the manager names it (Running); `state` below as the table shows it. */
  readonly taskState: string;
  readonly state: string;
  readonly desiredState: string;
  readonly node: string | null;
  readonly reason: string;
  readonly live: boolean;
}

/** Each slot's live replicas, then the ended tasks it keeps (the last to end first); slots in order. */
export function servicePsRows(tasks: readonly ServiceTaskView[], history: readonly HistoryTask[]): ServicePsRow[] {
  return slotOrder(tasks, history).map((e) => ('live' in e ? liveRow(e.live) : endedRow(e.ended, e.slot)));
}

function liveRow(t: ServiceTaskView): ServicePsRow {
  return {
    id: t.id,
    name: t.name,
    slot: t.slot,
    version: t.version,
    image: t.image,
    taskState: t.state,
    state: replicaState(t),
    desiredState: t.desiredState,
    node: t.node,
    reason: failingCheck(t) ?? reasonText(t),
    live: true,
  };
}

function endedRow(t: HistoryTask, slot: number): ServicePsRow {
  const { id, name, version, image, state, desiredState, node, reason } = t;
  return { id, name, slot, version, image, taskState: state, state, desiredState, node, reason, live: false };
}

/** `table` alone: the columns `service ps` shows (less the `\_` before an ended task). */
export const SERVICE_PS_TABLE = 'table {{.Slot}}\t{{.ID}}\t{{.Version}}\t{{.State}}\t{{.Node}}\t{{.Reason}}';

/** What `service ps --format` may show; `.ID` whole with `noTrunc`, its first 8 characters otherwise. */
export function servicePsFields(noTrunc: boolean): Array<FormatField<ServicePsRow>> {
  const field = formatField<ServicePsRow>;
  return [
    field('ID', 'TASK', (t) => (noTrunc ? t.id : t.id.slice(0, 8))),
    field('Name', 'NAME', (t) => t.name),
    field('Slot', 'SLOT', (t) => String(t.slot)),
    field('Version', 'VERSION', (t) => String(t.version ?? '-')),
    field('Image', 'IMAGE', (t) => t.image),
    field('State', 'STATE', (t) => t.state),
    field('DesiredState', 'DESIRED STATE', (t) => t.desiredState),
    field('Node', 'NODE', (t) => t.node ?? ''),
    field('Reason', 'REASON', (t) => t.reason),
  ];
}

const KEYS = ['id', 'name', 'node', 'state', 'desired-state'] as const;
const TAKES = 'id=PREFIX, name=PART, node=NAME, state=STATE or desired-state=running|shutdown (repeat: any of several)';

/**
 * `service ps -f KEY=VALUE`, as `docker service ps --filter` takes it: a key given twice keeps
 * rows that match either; states in any case (docker's desired-state=shutdown is stopped here).
 */
export function servicePsFilter(given: readonly string[] | undefined): (row: ServicePsRow) => boolean {
  const pairs = filterPairs(given, KEYS, TAKES);
  const values = (key: (typeof KEYS)[number]): string[] => pairs.filter(([k]) => k === key).map(([, v]) => v);
  const states = values('state').map((s) => stateOf(s, '--filter state='));
  const desired = values('desired-state').map(desiredStateOf);
  const nodes = values('node');
  const names = values('name').map((name) => keptHere({ name }));
  const ids = values('id').map((id) => keptHere({ id }));
  const anyOf = <T>(wanted: readonly T[], has: (w: T) => boolean): boolean => wanted.length === 0 || wanted.some(has);
  return (row) =>
    anyOf(states, (s) => row.taskState === s) &&
    anyOf(desired, (d) => row.desiredState === d) &&
    anyOf(nodes, (n) => row.node === n) &&
    anyOf(names, (kept) => kept(row)) &&
    anyOf(ids, (kept) => kept(row));
}

function desiredStateOf(text: string): string {
  const word = text.toLowerCase();
  if (word === 'running' || word === 'stopped') return word;
  if (word === 'shutdown') return 'stopped'; // docker's word for it
  throw new InvalidField('--filter desired-state=', `is "${text}"; use running, or shutdown (stopped)`);
}
