import type { JobStatusView } from '../../api/index.js';
import { isActive, TaskState } from '../../task/index.js';
import type { TaskRecord } from '../records.js';
import type { DrainedNodes } from './decide.js';
import { gaveUp, isLive, slotOf, StopList, versionOf } from './replica-state.js';
import { wantedSlots, type JobEnd, type ServiceRecord } from './service-record.js';

// A job (`replicated-job`, `global-job`) runs each of its slots once per version, to completion, as
// Swarm's jobs do: a slot whose task exits 0 is done, a slot whose task's restart policy gives up is
// failed and is not run again, and the others get a task, at most `maxConcurrent` running at once.
// An update is a new version: the job runs again, and what the last version still runs stops.

/** What one look at a job decided. */
export interface JobDecision {
  /** Slots that get a task of the record's version. */
  create: number[];
  /** Tasks to stop, each with the reason it shows. */
  stop: Array<{ taskId: string; reason: string }>;
  /** Every slot of the run has ended, and the record does not say so yet: write this, with its event. */
  ended: JobEnd | null;
}

/** Exited 0 and not started again: done. A task stopped on request is wanted stopped, and never counts. */
function completed(t: TaskRecord): boolean {
  return t.desired === 'running' && t.state === TaskState.Completed && t.restartAt === null;
}

/** Its restart policy gave up on it: the slot failed. */
function failed(t: TaskRecord): boolean {
  return gaveUp(t) && t.state === TaskState.Failed;
}

/** The slots of the record's version by how they stand, leaving out the tasks in `except`. */
function slotStates(
  rec: ServiceRecord,
  tasks: readonly TaskRecord[],
  except: ReadonlySet<string> = new Set(),
): { wanted: number[]; done: Set<number>; failed: Set<number>; live: Set<number>; lastEndMs: number } {
  const wanted = wantedSlots(rec);
  const wantedSet = new Set(wanted);
  const out = { wanted, done: new Set<number>(), failed: new Set<number>(), live: new Set<number>(), lastEndMs: 0 };
  for (const t of tasks) {
    const slot = slotOf(t);
    if (versionOf(t) !== rec.version || !wantedSet.has(slot) || except.has(t.request.id)) continue;
    const ended = completed(t) || failed(t);
    if (completed(t)) out.done.add(slot);
    else if (failed(t)) out.failed.add(slot);
    else if (isLive(t)) out.live.add(slot);
    if (ended) out.lastEndMs = Math.max(out.lastEndMs, Date.parse(t.finishedAt ?? t.updatedAt) || 0);
  }
  // a slot counts once: done over failed over live (one task of a version per slot, but be sure)
  for (const slot of out.done) {
    out.failed.delete(slot);
    out.live.delete(slot);
  }
  for (const slot of out.failed) out.live.delete(slot);
  return out;
}

/**
 * The job's run as GET /services shows it, read from its tasks (so it is right before the
 * orchestrator's next step has written the run's end): it finished when its last slot's task ended.
 */
export function toJobView(rec: ServiceRecord, tasks: readonly TaskRecord[]): JobStatusView {
  const s = slotStates(rec, tasks);
  const [completed, failed, total] = [s.done.size, s.failed.size, s.wanted.length];
  const over = completed + failed === total;
  return {
    state: !over ? 'running' : failed > 0 ? 'failed' : 'complete',
    completed,
    failed,
    total,
    finishedAt: over && s.lastEndMs > 0 ? new Date(s.lastEndMs).toISOString() : null,
  };
}

/**
 * The orchestrator's decision for one job. Pure: the record (a global job's slots already follow
 * the nodes), the service's tasks (every one wanted running or still holding a container: a done
 * task stays wanted running, so it is here), the drained nodes, why each global slot that is not
 * wanted left, and the time, in.
 *
 * - a task of another version stops (the job runs again); an ended one is marked stopped, so it
 *   leaves the service's index and becomes history;
 * - a task in a slot that is not wanted any more stops (scaled down, its node left or was drained);
 * - a replicated job's task on a drained node stops, and its slot runs again elsewhere;
 * - the lowest slots that have not run get a task, while fewer than `maxConcurrent` run, counting
 *   the tasks told to stop whose containers have not ended yet.
 */
export function decideJob(
  rec: ServiceRecord,
  tasks: readonly TaskRecord[],
  nowMs: number,
  drain: DrainedNodes,
  left: ReadonlyMap<number, string> = new Map(),
): JobDecision {
  const stops = new StopList();
  const out: JobDecision = { create: [], stop: stops.list, ended: null };
  const stop = (t: TaskRecord, reason: string): void => stops.add(t, reason);
  const wanted = new Set(wantedSlots(rec));
  for (const t of tasks) {
    if (t.desired !== 'running') continue;
    const slot = slotOf(t);
    if (versionOf(t) !== rec.version) {
      stop(t, isLive(t) ? `the job runs again as version ${rec.version}` : 'a run of an earlier version of the job');
      continue;
    }
    if (!isLive(t)) continue; // done or failed: the slot's result, kept
    if (!wanted.has(slot))
      stop(
        t,
        rec.spec.replicas !== undefined
          ? `scaled down to ${rec.spec.replicas}`
          : (left.get(slot) ?? 'its node takes no task of the job any more'),
      );
    else if (rec.spec.replicas !== undefined && t.nodeId !== null && drain.nodes.has(t.nodeId))
      stop(t, `node ${drain.nodeName(t.nodeId)} drained`);
  }
  const s = slotStates(rec, tasks, stops.ids);
  // a task told to stop runs until its container ends: it holds its place until then, so a slot
  // moved off a drained node, or a run begun again, never has more than maxConcurrent at once
  const stopping = tasks.filter((t) => isActive(t.state) && (t.desired !== 'running' || stops.ids.has(t.request.id)));
  let room = (rec.spec.maxConcurrent ?? Number.POSITIVE_INFINITY) - s.live.size - stopping.length;
  for (const slot of s.wanted) {
    if (room <= 0) break;
    if (s.done.has(slot) || s.failed.has(slot) || s.live.has(slot)) continue;
    out.create.push(slot);
    room -= 1;
  }
  const total = s.wanted.length;
  if (total > 0 && s.done.size + s.failed.size === total) {
    const e = rec.jobEnded;
    if (
      e === undefined ||
      e.version !== rec.version ||
      e.completed !== s.done.size ||
      e.failed !== s.failed.size ||
      e.total !== total
    )
      out.ended = { version: rec.version, atMs: nowMs, completed: s.done.size, failed: s.failed.size, total };
  }
  return out;
}
