import type { UpdateState } from '../../api/index.js';
import { TaskState } from '../../task/index.js';
import { formatDuration } from '../../units/index.js';
import type { TaskRecord } from '../records.js';
import { failedAtMs, failureOf, isFailing, liveBySlot, slotOf, versionOf } from './replica-state.js';
import { rolledBack, wantedSlots, type ServiceRecord, type UpdateRecord } from './service-record.js';

/** A rollout's events, for GET /events (the service and versions are added by who publishes them). */
export interface RolloutEvent {
  type: 'update.started' | 'update.progress' | 'update.completed' | 'update.paused' | 'update.rolled_back';
  state: UpdateState;
  fromVersion: number;
  toVersion: number;
  updated: number;
  total: number;
  reason: string;
  /** What this step did other than as the order says (slots updated stop-first for want of room); absent: nothing. */
  note?: string;
}

/**
 * Whether a new replica no node can take now, nor once the service's tasks `leaving` (stopping)
 * have ended, would fit were the older replicas of its slot (`olds`) gone: they hold the room
 * (memory, cpu, a host port) it needs. Placer.roomHeldBy.
 */
export type RoomHeldByOld = (
  pending: TaskRecord,
  olds: readonly TaskRecord[],
  leaving: readonly TaskRecord[],
) => boolean;

const NO_ROOM_CHECK: RoomHeldByOld = () => false;

/** The words for slots a start-first rollout moved stop-first, as the update's status and events say them. */
export function stopFirstNote(service: string, kind: UpdateRecord['kind'], slots: readonly number[]): string {
  const names = slots.map((s) => `${service}-${s}`).join(', ');
  return `${names} ${kind === 'rollback' ? 'rolled back' : 'updated'} stop-first: no node has room for both versions`;
}

export interface RolloutStep {
  record: ServiceRecord | null;
  create: number[];
  stop: Array<{ taskId: string; reason: string }>;
  events: RolloutEvent[];
  wakeAtMs: number | null;
}

/**
 * One step of a rollout (an update or a rollback), as swarmkit's updater does it but decided
 * from records instead of run by a goroutine per slot, so it is tested with a clock and carries
 * on after a restart:
 *
 * - a slot is done once its new task is ready (running, and healthy when it has a health check),
 *   and its old tasks stop then (start-first); `parallelism` slots are in progress at most, and
 *   the next starts `delay` after the last one was done; stop-first stops the old task first, and
 *   the slot is filled once it has ended (decide.ts);
 * - a start-first slot whose new task no node can take only because the slot's old tasks hold
 *   the room (roomHeldByOld: one node would fit it without them) goes stop-first: its old tasks
 *   stop, and the new one is placed once they have ended. Said once, in the step's event (its
 *   `note`) and in the record (`stoppedFirst`), so the rollout never waits out its deadline for
 *   room it holds itself; slots with room keep start-first;
 * - `monitor` is a failure window, as in swarmkit: a new task that ends or turns unhealthy before
 *   it was ready, or within `monitor` of becoming ready, counts as a failure of the rollout, also
 *   after later slots started; past `maxFailureRatio` of the replicas, `failureAction` applies
 *   (rollback, pause, continue). After its window a new task's failure is its restart policy's;
 * - at `deadlineMs` the rollout ends unfinished, as a failure would end it (continue pauses:
 *   a rollout always ends). A rollback never rolls back: where it would, it pauses;
 * - when every slot is done and the last new tasks' windows have passed, it has completed (a
 *   rollback: rolled back).
 */
export function stepRollout(
  rec: ServiceRecord,
  tasks: readonly TaskRecord[],
  readySince: ReadonlyMap<string, number>,
  nowMs: number,
  nowIso: string,
  roomHeldByOld: RoomHeldByOld = NO_ROOM_CHECK,
): RolloutStep {
  const u = rec.update as UpdateRecord;
  const cfg = u.config;
  const slots = wantedSlots(rec);
  const wanted = new Set(slots);
  const total = slots.length;
  const failed = new Set(u.failed);
  const watched = new Map((u.monitoring ?? []).map((m) => [m.taskId, m]));
  const updatedSlots = new Set(u.done);
  let firstFailure: TaskRecord | undefined;
  for (const t of tasks) {
    if (versionOf(t) !== u.toVersion || t.desired !== 'running' || !isFailing(t) || failed.has(t.request.id)) continue;
    const atMs = failedAtMs(t);
    if (atMs < u.startedAtMs) continue; // failed before this rollout began
    const m = watched.get(t.request.id);
    // a task of a done slot counts within its window only; the slot's later tasks are its restart policy's
    if (m !== undefined ? atMs > m.readyAtMs + cfg.monitor : updatedSlots.has(slotOf(t))) continue;
    failed.add(t.request.id);
    firstFailure ??= t;
  }
  let update: UpdateRecord = failed.size === u.failed.length ? u : { ...u, failed: [...failed] };
  const withUpdate = (x: UpdateRecord): ServiceRecord => ({ ...rec, update: x, updatedAt: nowIso });
  if (firstFailure !== undefined && failed.size > cfg.maxFailureRatio * total) {
    const why = `replica ${slotOf(firstFailure)} of version ${u.toVersion} failed: ${failureOf(firstFailure)}`;
    const ended = endUnfinished(withUpdate(update), tasks, why, false, { readySince, nowMs, nowIso, roomHeldByOld });
    if (ended !== null) return ended;
  }
  if (nowMs >= u.deadlineMs) {
    const why = `not done within its progress deadline (${formatDuration(cfg.progressDeadline)})`;
    const ended = endUnfinished(withUpdate(update), tasks, why, true, { readySince, nowMs, nowIso, roomHeldByOld });
    if (ended !== null) return ended;
  }

  const step: RolloutStep = { record: null, create: [], stop: [], events: [], wakeAtMs: null };
  const replaced = (to: number): string => `replaced by version ${to}`;
  const bySlot = liveBySlot(tasks);
  const done = new Set(update.done.filter((s) => wanted.has(s)));
  const doneCount = done.size;
  let monitoring = [...watched.values()];
  let lastDone = update.lastDoneAtMs;
  let inProgress = 0;
  const wakes = [u.deadlineMs];
  const candidates: Array<{ slot: number; olds: TaskRecord[] }> = [];
  const stoppedFirst: number[] = []; // start-first slots this step moves stop-first: no room for both versions
  for (const slot of slots) {
    const live = bySlot.get(slot) ?? [];
    const news = live.filter((t) => versionOf(t) === u.toVersion);
    const olds = live.filter((t) => versionOf(t) !== u.toVersion);
    if (done.has(slot)) {
      for (const o of olds) step.stop.push({ taskId: o.request.id, reason: replaced(u.toVersion) });
      continue;
    }
    const newest = news[news.length - 1];
    if (newest !== undefined) {
      const since = readySince.get(newest.request.id);
      if (since !== undefined) {
        for (const o of olds) step.stop.push({ taskId: o.request.id, reason: replaced(u.toVersion) });
        done.add(slot);
        lastDone = nowMs;
        monitoring.push({ slot, taskId: newest.request.id, readyAtMs: since });
        continue;
      }
      inProgress += 1;
      if (cfg.order === 'start-first' && olds.length > 0 && newest.state === TaskState.Pending) {
        // a task already stopping (a slot done, a scale down) gives its room back: that is waited for
        const stopping = new Set(step.stop.map((s) => s.taskId));
        const leaving = tasks.filter((t) => t.desired === 'stopped' || stopping.has(t.request.id));
        if (roomHeldByOld(newest, olds, leaving)) {
          const reason = `stopped first for version ${u.toVersion}: no node has room for both versions`;
          for (const o of olds) step.stop.push({ taskId: o.request.id, reason });
          stoppedFirst.push(slot);
        }
      }
      continue;
    }
    if (olds.length === 0)
      inProgress += 1; // about to get a new task (decide.ts fills it)
    else candidates.push({ slot, olds });
  }
  // a window that ended, or of a slot scaled away, is watched no more
  monitoring = monitoring.filter((m) => wanted.has(m.slot) && m.readyAtMs + cfg.monitor > nowMs);
  for (const m of monitoring) wakes.push(m.readyAtMs + cfg.monitor);
  const startAt = lastDone !== null && cfg.delay > 0 ? lastDone + cfg.delay : nowMs;
  if (candidates.length > 0 && nowMs < startAt) wakes.push(startAt);
  else {
    for (const c of candidates) {
      if (inProgress >= cfg.parallelism) break;
      inProgress += 1;
      if (cfg.order === 'start-first') step.create.push(c.slot);
      else
        for (const o of c.olds)
          step.stop.push({ taskId: o.request.id, reason: `stopped first for version ${u.toVersion}` });
    }
  }
  update = { ...update, done: [...done].sort((a, b) => a - b), lastDoneAtMs: lastDone, monitoring };
  if (stoppedFirst.length > 0) {
    const slotsSoFar = [...new Set([...(update.stoppedFirst ?? []), ...stoppedFirst])].sort((a, b) => a - b);
    update = { ...update, stoppedFirst: slotsSoFar };
  }
  const event = (type: RolloutEvent['type'], x: UpdateRecord): RolloutEvent => ({
    type,
    state: x.state,
    fromVersion: x.fromVersion,
    toVersion: x.toVersion,
    updated: x.done.length,
    total,
    reason: x.reason,
  });
  if (done.size >= total && monitoring.length === 0) {
    const rollback = update.kind === 'rollback';
    update = {
      ...update,
      state: rollback ? 'rolled_back' : 'completed',
      finishedAtMs: nowMs,
      reason: rollback
        ? `back on version ${u.toVersion}: ${u.reason}`
        : total === 1
          ? `its replica runs version ${u.toVersion}`
          : `all ${total} replicas run version ${u.toVersion}`,
    };
    step.events.push(event(rollback ? 'update.rolled_back' : 'update.completed', update));
  } else {
    // progress while slots are still to move; once the last has moved, the next event is how it ended
    if (stoppedFirst.length > 0)
      step.events.push({ ...event('update.progress', update), note: stopFirstNote(rec.name, u.kind, stoppedFirst) });
    else if (done.size > doneCount && done.size < total) step.events.push(event('update.progress', update));
    const future = wakes.filter((w) => w > nowMs);
    step.wakeAtMs = future.length === 0 ? null : Math.min(...future);
  }
  if (JSON.stringify(update) !== JSON.stringify(u)) step.record = withUpdate(update);
  return step;
}

/**
 * The rollout failed (`deadline`: it ran out of time): pause, or roll back, as its config says;
 * null when it should carry on (failureAction continue). A rollback that fails pauses, as
 * `rollback_paused` with the rollback's own failure as its reason.
 */
function endUnfinished(
  rec: ServiceRecord,
  tasks: readonly TaskRecord[],
  why: string,
  deadline: boolean,
  now: { readySince: ReadonlyMap<string, number>; nowMs: number; nowIso: string; roomHeldByOld: RoomHeldByOld },
): RolloutStep | null {
  const { readySince, nowMs, nowIso } = now;
  const u = rec.update as UpdateRecord;
  const action = u.config.failureAction;
  if (action === 'continue' && !deadline) return null;
  if (action === 'rollback' && u.kind === 'update') {
    const back = rolledBack(rec, nowMs, nowIso, why);
    if (back !== null) {
      const next = stepRollout(back, tasks, readySince, nowMs, nowIso, now.roomHeldByOld);
      const started = back.update as UpdateRecord;
      const event: RolloutEvent = {
        type: 'update.started',
        state: started.state,
        fromVersion: started.fromVersion,
        toVersion: started.toVersion,
        updated: 0,
        total: wantedSlots(back).length,
        reason: why,
      };
      return { ...next, record: next.record ?? back, events: [event, ...next.events] };
    }
    why = `${why}; there is no previous version to roll back to`;
  }
  // a rollback's own failure is its reason, never the update's that started it (Swarm's rollback_paused)
  const state = u.kind === 'rollback' ? 'rollback_paused' : 'paused';
  const paused: UpdateRecord = { ...u, state, finishedAtMs: nowMs, reason: why };
  const stop: RolloutStep['stop'] = [];
  const stopReason = `${u.kind === 'rollback' ? 'rollback' : 'update'} paused: ${why}`;
  // a slot still between versions keeps its old task: the new one that did not make it goes
  for (const [slot, live] of liveBySlot(tasks)) {
    if (paused.done.includes(slot) || !live.some((t) => versionOf(t) !== u.toVersion)) continue;
    for (const t of live) if (versionOf(t) === u.toVersion) stop.push({ taskId: t.request.id, reason: stopReason });
  }
  const event: RolloutEvent = {
    type: 'update.paused',
    state,
    fromVersion: u.fromVersion,
    toVersion: u.toVersion,
    updated: paused.done.length,
    total: wantedSlots(rec).length,
    reason: why,
  };
  return { record: { ...rec, update: paused }, create: [], stop, events: [event], wakeAtMs: null };
}
