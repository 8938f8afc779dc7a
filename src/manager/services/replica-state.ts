import { isTerminal, TaskState } from '../../task/index.js';
import type { TaskRecord } from '../records.js';
import { withoutRestartPlan } from '../../task/restart-plan.js';

// What the service orchestrator reads of a replica's task record.

/** The task's slot; 0 for a task of no service. */
export function slotOf(t: TaskRecord): number {
  return t.service?.slot ?? 0;
}

/** The service version the task runs; 0 for a task of no service. */
export function versionOf(t: TaskRecord): number {
  return t.service?.version ?? 0;
}

/** Its restart policy gave up on it (or it ended under `never`): the slot needs a new task. */
export function gaveUp(t: TaskRecord): boolean {
  return t.desired === 'running' && isTerminal(t.state) && t.restartAt === null;
}

/** The slot's task for now: wanted running and not given up (it may be restarting, or waiting for a node). */
export function isLive(t: TaskRecord): boolean {
  return t.desired === 'running' && !gaveUp(t);
}

/** Running, and healthy when it has a health check: it serves. */
export function isReady(t: TaskRecord): boolean {
  return t.state === TaskState.Running && passesHealth(t);
}

/**
 * Healthy, or nothing checks it: neither a check of its own nor its image's HEALTHCHECK (whose
 * verdicts the worker reports, `starting` until the first).
 */
export function passesHealth(t: Pick<TaskRecord, 'request' | 'health'>): boolean {
  return t.health.status === 'healthy' || (t.request.healthCheck === null && t.health.status === 'none');
}

/** Ended or unhealthy: a new replica that does this during a rollout counts as a failure. */
export function isFailing(t: TaskRecord): boolean {
  return isTerminal(t.state) || t.health.status === 'unhealthy';
}

/** Longest part of a check's output a failure names (an exec check keeps up to 64 KiB). */
const OUTPUT_IN_REASON = 200;

/**
 * Why a failing task fails, in words: its reason once it ended, without the restart its policy
 * planned then (a rollout's reason keeps it long after that restart); while it still runs
 * unhealthy (its worker has not stopped it yet) its reason still says "running", so the failed checks.
 */
export function failureOf(t: TaskRecord): string {
  if (isTerminal(t.state) || t.health.status !== 'unhealthy') return withoutRestartPlan(t.reason);
  const output = t.health.lastOutput.trim();
  const last = output.length > OUTPUT_IN_REASON ? `${output.slice(0, OUTPUT_IN_REASON)}…` : output;
  const s = t.health.failures === 1 ? '' : 's';
  return `unhealthy: ${t.health.failures} failed check${s} in a row${last === '' ? '' : ` (last: ${last})`}`;
}

/** When a failing task failed: when it ended, or (unhealthy) when its record last changed. */
export function failedAtMs(t: TaskRecord): number {
  return Date.parse((isTerminal(t.state) ? t.finishedAt : null) ?? t.updatedAt);
}

/** The stop requests of one decision: each task once, with the first reason given. */
export class StopList {
  readonly list: Array<{ taskId: string; reason: string }> = [];
  readonly ids = new Set<string>();

  add(t: TaskRecord, reason: string): void {
    if (this.ids.has(t.request.id)) return;
    this.ids.add(t.request.id);
    this.list.push({ taskId: t.request.id, reason });
  }
}

/** Tasks of the service by slot, live ones only, oldest version first. */
export function liveBySlot(tasks: readonly TaskRecord[]): Map<number, TaskRecord[]> {
  const bySlot = new Map<number, TaskRecord[]>();
  for (const t of tasks) {
    if (!isLive(t)) continue;
    let list = bySlot.get(slotOf(t));
    if (list === undefined) bySlot.set(slotOf(t), (list = []));
    list.push(t);
  }
  for (const list of bySlot.values()) list.sort((a, b) => versionOf(a) - versionOf(b));
  return bySlot;
}
