import type { ServiceTaskRef, UpdateState } from '../../api/index.js';
import { isGlobalMode } from '../../api/service-modes.js';
import type { ParsedServiceSpec, UpdateConfig } from '../../service/index.js';

/** A service as the manager stores it (`service/<name>`): the spec in effect, its version, and the rollout. */
export interface ServiceRecord {
  name: string;
  /**
   * Given at create, never changed: its replica tasks carry it (ServiceTaskRef.serviceId), so the
   * tasks of a removed service still stopping (or ended, not forgotten yet) are told from those of
   * a service created again under its name. Absent in records written before.
   */
  id?: string;
  /** The version replicas should run: grows with each template change, goes back on a rollback. */
  version: number;
  /** The parsed spec of `version`, defaults filled in (what GET shows as `spec`). */
  spec: ParsedServiceSpec;
  /** The version before this one, for a rollback; null before the first change. */
  previous: { version: number; spec: ParsedServiceSpec } | null;
  /** The highest version given so far: the next template change gets one more. */
  lastVersion: number;
  /**
   * Its virtual IP (discovery): given at create from the manager's --vip-range, kept across
   * updates, scaling and restarts, freed with the record. Absent only in records written before
   * discovery, until the manager gives them one.
   */
  vip?: string;
  /** The latest rollout; kept after it ends, so a view says how it ended. Always null for a job. */
  update: UpdateRecord | null;
  /**
   * A job's run that ended last: its version, when, and how its slots ended. Written once when every
   * slot of the run has ended (the `job.completed` or `job.failed` event goes with it), and again if
   * the run changes after (a global job's new node, a replicated job scaled up, then done again).
   */
  jobEnded?: JobEnd;
  /**
   * A global service's slot on each node that took one: kept while the node is in the cluster
   * (drained, paused, down, or not meeting the constraints now), so a node that comes back gets
   * its slot, and the slot's volumes, again; forgotten when the node is removed. Written by the
   * orchestrator's steps.
   */
  nodeSlots?: Record<string, number>;
  /** A global service's slots wanted now (those of the nodes that take a replica now), lowest first. */
  slots?: number[];
  /** A global service's highest slot so far: a new node gets the next (a removed node's is never given again). */
  lastSlot?: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * A rollout (an update, or a rollback), durable so a manager that restarts in the middle carries
 * on. Which slots still run another version is read from the tasks; what cannot be read from
 * them is here: the slots updated, the new tasks still in their monitor window, the new tasks
 * that failed, the clock.
 */
export interface UpdateRecord {
  state: UpdateState;
  kind: 'update' | 'rollback';
  fromVersion: number;
  toVersion: number;
  /** The update (or rollback) block this rollout follows. */
  config: UpdateConfig;
  startedAtMs: number;
  /** It ends by then (config.progressDeadline after it started), completed or not. */
  deadlineMs: number;
  finishedAtMs: number | null;
  /** Slots whose task of `toVersion` became ready (running, and healthy if checked): updated. */
  done: number[];
  /**
   * The tasks that made their slot done and are still in their monitor window (from when they
   * became ready): their failure counts against the rollout. Absent in a record written before
   * monitor was a failure window (none is watched then).
   */
  monitoring?: Array<{ slot: number; taskId: string; readyAtMs: number }>;
  /** Tasks of `toVersion` that failed during this rollout (ended, or unhealthy). */
  failed: string[];
  /**
   * Slots of a start-first rollout that went stop-first: no node had room for both versions (the
   * old task held it), so the old stopped first. Absent: none (and every record written before).
   */
  stoppedFirst?: number[];
  /** When a slot was last done: the next one starts `delay` after it. */
  lastDoneAtMs: number | null;
  reason: string;
}

/** The end of a job's run (ServiceRecord.jobEnded). */
export interface JobEnd {
  version: number;
  atMs: number;
  completed: number;
  failed: number;
  total: number;
}

/** The slots that should each run one replica now: 1..replicas, or a global service's nodes' slots. */
/**
 * Whether a task of the service's name is of this service, not of a removed one of that name: its
 * id is the record's, or one of them has none (written before services had ids).
 */
export function isOfService(ref: ServiceTaskRef, rec: Pick<ServiceRecord, 'name' | 'id'>): boolean {
  return ref.service === rec.name && (ref.serviceId === undefined || rec.id === undefined || ref.serviceId === rec.id);
}

export function wantedSlots(rec: Pick<ServiceRecord, 'spec' | 'slots'>): number[] {
  if (isGlobalMode(rec.spec.mode)) return rec.slots ?? [];
  const out: number[] = [];
  for (let slot = 1; slot <= (rec.spec.replicas ?? 0); slot++) out.push(slot);
  return out;
}

/**
 * Where the rollout stands, as views and metrics say it: a rollback that paused is
 * `rollback_paused`, also in a record written before that state had its name (then `paused`).
 */
export function updateStateOf(u: Pick<UpdateRecord, 'state' | 'kind'>): UpdateState {
  return u.state === 'paused' && u.kind === 'rollback' ? 'rollback_paused' : u.state;
}

/** Whether the rollout still moves slots. */
export function isRolling(u: UpdateRecord | null): u is UpdateRecord {
  return u !== null && (u.state === 'updating' || u.state === 'rolling_back');
}

/** A rollout from the record's version to `to` under `config`, starting now. */
export function newRollout(
  kind: UpdateRecord['kind'],
  from: number,
  to: number,
  config: UpdateConfig,
  nowMs: number,
  reason: string,
): UpdateRecord {
  return {
    state: kind === 'update' ? 'updating' : 'rolling_back',
    kind,
    fromVersion: from,
    toVersion: to,
    config,
    startedAtMs: nowMs,
    deadlineMs: nowMs + config.progressDeadline,
    finishedAtMs: null,
    done: [],
    monitoring: [],
    failed: [],
    lastDoneAtMs: null,
    reason,
  };
}

/**
 * The service rolled back to its previous version: the previous spec with today's replica count
 * (a rollback undoes a change of what runs, not a scale), and the version it leaves becomes the
 * previous one. Null when there is nothing to go back to.
 */
export function rolledBack(rec: ServiceRecord, nowMs: number, nowIso: string, reason: string): ServiceRecord | null {
  const prev = rec.previous;
  if (prev === null) return null;
  return {
    ...rec,
    version: prev.version,
    spec: rec.spec.replicas === undefined ? prev.spec : { ...prev.spec, replicas: rec.spec.replicas },
    previous: { version: rec.version, spec: rec.spec },
    update: newRollout('rollback', rec.version, prev.version, rec.spec.rollback, nowMs, reason),
    updatedAt: nowIso,
  };
}
