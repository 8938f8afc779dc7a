import type { ManagerTaskView, ServiceTaskView, ServiceView, UpdateState } from '../api/index.js';
import { isGlobalMode, isJobMode, jobCounts } from '../api/service-modes.js';
import { table } from './format.js';
import { formatField, rowFormat, type FormatField, type RowFormat } from './row-format.js';
import { reasonText } from './unplaceable.js';
import { slotOrder } from './slot-order.js';

// Services for people: `service ls` and `service ps` tables, and a rollout in a few words.

/**
 * "updating 2/6", "completed", "paused: replica 3 of version 2 failed: exited with code 1",
 * "rollback paused: replica 1 of version 1 failed: exited with code 1", or "-".
 */
export function rolloutState(s: ServiceView): string {
  const u = s.update;
  if (u === null) return '-';
  if (u.state === 'updating' || u.state === 'rolling_back') return `${u.state} ${u.updated}/${u.total}`;
  return u.state === 'paused' || u.state === 'rollback_paused' ? `${updateStateText(u.state)}: ${u.reason}` : u.state;
}

/** A rollout's state for people: the API's word, but a rollback that paused says so in two ("rollback paused"). */
export function updateStateText(state: UpdateState): string {
  return state === 'rollback_paused' ? 'rollback paused' : state;
}

/** Whether a service runs one on each node (global, global-job); a manager before global services says no mode. */
export function isGlobal(s: Pick<ServiceView, 'mode'>): boolean {
  return isGlobalMode(s.mode);
}

/** Whether a service is a job (replicated-job, global-job): its tasks run to completion, and it has no rollout. */
export function isJob(s: Pick<ServiceView, 'mode'>): boolean {
  return isJobMode(s.mode);
}

/** Its mode as `docker service ls` names it; a manager before global services says none: replicated. */
export function modeName(s: Pick<ServiceView, 'mode'>): string {
  return s.mode ?? 'replicated';
}

/** A job's run in a few words: "complete, 3/3 completed", "running, 1/3 completed, 1 failed"; else undefined. */
export function jobProgress(s: Pick<ServiceView, 'job'>): string | undefined {
  const j = s.job;
  if (j === undefined) return undefined;
  return `${j.state}, ${jobCounts(j)}`;
}

/**
 * `service ls`'s REPLICAS: healthy/wanted; for a job as Swarm shows one, its tasks running now of
 * the run's, then how many completed: "1/3 (2/3 completed)", "0/3 (2/3 completed, 1 failed)".
 */
export function replicasText(s: Pick<ServiceView, 'healthy' | 'replicas' | 'running' | 'job'>): string {
  const j = s.job;
  if (j === undefined) return `${s.healthy}/${s.replicas}`;
  return `${s.running}/${j.total} (${jobCounts(j)})`;
}

/** What `service ls --format` may show of a service, under `docker service ls`' names where they mean the same. */
export const SERVICE_FIELDS: ReadonlyArray<FormatField<ServiceView>> = [
  formatField('Name', 'NAME', (s) => s.name),
  formatField('Version', 'VERSION', (s) => String(s.version)),
  formatField('Mode', 'MODE', modeName),
  formatField('Replicas', 'REPLICAS', replicasText),
  formatField('Image', 'IMAGE', (s) => s.image),
  formatField('Update', 'UPDATE', rolloutState),
];

/**
 * `service ls`: NAME, VERSION, MODE, REPLICAS (healthy/wanted; a job's running and completed), IMAGE,
 * UPDATE, as `docker service ls` has MODE.
 */
const SERVICE_TABLE = 'table {{.Name}}\t{{.Version}}\t{{.Mode}}\t{{.Replicas}}\t{{.Image}}\t{{.Update}}';

/** `--format`'s value read (the table when none); InvalidField names what it cannot print. */
export function serviceFormat(format: string | undefined): RowFormat<ServiceView> {
  return rowFormat(format ?? 'table', SERVICE_FIELDS, SERVICE_TABLE);
}

/** The table, without its last newline. */
export function serviceTable(services: readonly ServiceView[]): string {
  return serviceFormat(undefined).print(services).slice(0, -1);
}

/** The fields of a service's ended task that `service ps` shows under its slot. */
export const HISTORY_FIELDS = [
  'id',
  'name',
  'image',
  'slot',
  'version',
  'state',
  'desiredState',
  'node',
  'reason',
  'finishedAt',
] as const;
export type HistoryTask = Pick<ManagerTaskView, (typeof HISTORY_FIELDS)[number]>;

/**
 * `service ps`: each slot's live tasks, then the ended ones it keeps (`\_ 1a2b3c4d`, the last to
 * end first), as `docker service ps` shows a slot's history; slots in order.
 */
export function serviceTaskTable(
  tasks: readonly ServiceTaskView[],
  history: ReadonlyArray<Omit<HistoryTask, 'name' | 'image' | 'desiredState'>> = [],
  noTrunc = false,
): string {
  const rows = slotOrder(tasks, history).map((e) => {
    if ('live' in e) return replicaRow(e.live, noTrunc);
    const t = e.ended;
    const id = noTrunc ? t.id : t.id.slice(0, 8);
    return [String(e.slot), `\\_ ${id}`, String(t.version ?? '-'), t.state, t.node ?? '-', t.reason];
  });
  return table(['SLOT', 'TASK', 'VERSION', 'STATE', 'NODE', 'REASON'], rows);
}

/** A live replica's row: SLOT, TASK (its whole id with `noTrunc`), VERSION, STATE, NODE, REASON (a failing check). */
export function replicaRow(t: ServiceTaskView, noTrunc = false): string[] {
  return [
    String(t.slot),
    noTrunc ? t.id : t.id.slice(0, 8),
    String(t.version),
    replicaState(t),
    t.node ?? '-',
    failingCheck(t) ?? reasonText(t),
  ];
}

/** A replica asked to stop that still holds its container (scaled down, replaced): not gone yet. */
export function isStopping(t: Pick<ServiceTaskView, 'desiredState' | 'state'>): boolean {
  return t.desiredState === 'stopped' && (t.state === 'Running' || t.state === 'Scheduled');
}

/** A replica's state as one word or two: "Running", "Running (healthy)", "Running (stopping)". */
export function replicaState(t: ServiceTaskView): string {
  if (isStopping(t)) return `${t.state} (stopping)`;
  if (t.state === 'Running' && t.health.status !== 'none') return `Running (${t.health.status})`;
  return t.state;
}

/** A running replica whose checks fail: "check failed 2 times (HTTP 404)"; undefined otherwise. */
export function failingCheck(t: ServiceTaskView): string | undefined {
  if (t.state !== 'Running' || t.health.status === 'healthy' || t.health.failures === 0) return undefined;
  return `check failed ${times(t.health.failures)} (${t.health.lastOutput})`;
}

/** "once", "3 times". */
export function times(n: number): string {
  return n === 1 ? 'once' : `${n} times`;
}
