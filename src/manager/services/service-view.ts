import type { ServiceTaskView, ServiceView, UpdateStatusView } from '../../api/index.js';
import { DEFAULT_DRAIN_TIMEOUT_MS } from '../../discovery/index.js';
import { TaskState } from '../../task/index.js';
import { toTaskView, type TaskRecord } from '../records.js';
import { isJobMode } from '../../api/service-modes.js';
import { toJobView } from './decide-job.js';
import { isLive, isReady, slotOf, versionOf } from './replica-state.js';
import { stopFirstNote } from './rollout.js';
import { updateStateOf, wantedSlots, type ServiceRecord, type UpdateRecord } from './service-record.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Replicas counted by slot (a slot with an old and a new task counts once): ready ones, and running ones. */
export function replicaCounts(rec: ServiceRecord, tasks: readonly TaskRecord[]): { healthy: number; running: number } {
  const healthy = new Set<number>();
  const running = new Set<number>();
  const wanted = new Set(wantedSlots(rec));
  for (const t of tasks) {
    const slot = slotOf(t);
    if (!isLive(t) || !wanted.has(slot)) continue;
    if (t.state === TaskState.Running) running.add(slot);
    if (isReady(t)) healthy.add(slot);
  }
  return { healthy: healthy.size, running: running.size };
}

/** A rollout as views show it; its reason says which slots went stop-first for want of room, if any did. */
export function toUpdateView(u: UpdateRecord, replicas: number, service: string): UpdateStatusView {
  const stoppedFirst = u.stoppedFirst ?? [];
  return {
    state: updateStateOf(u),
    fromVersion: u.fromVersion,
    toVersion: u.toVersion,
    updated: u.done.length,
    total: replicas,
    failed: u.failed.length,
    startedAt: iso(u.startedAtMs),
    deadline: iso(u.deadlineMs),
    finishedAt: u.finishedAtMs === null ? null : iso(u.finishedAtMs),
    reason: stoppedFirst.length === 0 ? u.reason : `${u.reason}; ${stopFirstNote(service, u.kind, stoppedFirst)}`,
  };
}

export function toServiceView(rec: ServiceRecord, tasks: readonly TaskRecord[]): ServiceView {
  const replicas = wantedSlots(rec).length;
  return {
    name: rec.name,
    version: rec.version,
    spec: viewSpec(rec),
    mode: rec.spec.mode ?? 'replicated',
    replicas,
    ...replicaCounts(rec, tasks),
    image: rec.spec.task.image,
    update: rec.update === null ? null : toUpdateView(rec.update, replicas, rec.name),
    ...(isJobMode(rec.spec.mode) ? { job: toJobView(rec, tasks) } : {}),
    vip: rec.vip ?? '',
    createdAt: rec.createdAt,
    updatedAt: rec.updatedAt,
  };
}

/**
 * The spec as a view shows it: a record written before drainTimeout existed drains by the default,
 * and says so; a job has no rollout, so no update or rollback block (its spec, sent back as it is
 * shown, must be one the manager takes: it refuses those blocks for a job).
 */
function viewSpec(rec: ServiceRecord): ServiceView['spec'] {
  const spec = rec.spec.drainTimeout === undefined ? { ...rec.spec, drainTimeout: DEFAULT_DRAIN_TIMEOUT_MS } : rec.spec;
  if (!isJobMode(spec.mode)) return spec;
  const { update: _update, rollback: _rollback, ...rest } = spec;
  return rest;
}

/** The service's tasks by slot, then version (`service ps`). */
export function toServiceTaskViews(
  tasks: readonly TaskRecord[],
  nodeName: (nodeId: string) => string,
): ServiceTaskView[] {
  return [...tasks]
    .sort((a, b) => slotOf(a) - slotOf(b) || versionOf(a) - versionOf(b) || (a.submittedAt < b.submittedAt ? -1 : 1))
    .map((t) => {
      const view = toTaskView(t, t.nodeId === null ? null : nodeName(t.nodeId));
      return { ...view, service: t.service?.service ?? '', slot: slotOf(t), version: versionOf(t) };
    });
}
