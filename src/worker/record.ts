import type { HealthView, WorkerTaskView } from '../api/index.js';
import type { BoundPort } from '../driver/index.js';
import type { TaskRequest, TaskState } from '../task/index.js';
import { isKnownState, storedRequestProblem } from '../task/stored-request.js';

/** What the worker stores per task (LMDB), so a restart loses nothing. */
export interface WorkerTaskRecord {
  request: TaskRequest;
  generation: number;
  state: TaskState;
  containerId: string | null;
  exitCode: number | null;
  reason: string;
  /**
   * The code of the error that failed its start (`image_unavailable`, `container_start_failed`),
   * which the manager keeps with the exit; absent when it did not fail to start.
   */
  errorCode?: string;
  ports: BoundPort[];
  /** The container's address on the Poseidon network (discovery's endpoint); absent when unknown. */
  address?: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Set by DELETE: the exit that follows is the user's stop, never a failure. */
  stopRequested: boolean;
  health: HealthView;
  updatedAt: string;
}

/**
 * What makes a stored value unusable as a task record, or null. Checks what the worker's parts
 * rely on at once: the view (toView) every heartbeat and report makes, and the state machine.
 */
export function recordProblem(rec: unknown): string | null {
  const r = rec as Partial<WorkerTaskRecord> | null | undefined;
  if (typeof r !== 'object' || r === null) return 'not an object';
  const request = storedRequestProblem(r.request);
  if (request !== null) return request;
  if (!isKnownState(r.state)) return `an unknown state ${JSON.stringify(r.state)}`;
  if (typeof r.generation !== 'number' || !Array.isArray(r.ports) || typeof r.health !== 'object' || r.health === null)
    return 'no generation, bound ports or health';
  return null;
}

export const NO_HEALTH: HealthView = { status: 'none', failures: 0, lastOutput: '', lastCheckedAt: null };

export function toView(r: WorkerTaskRecord): WorkerTaskView {
  const q = r.request;
  const bound =
    q.ports.length === 0 ? undefined : new Map(r.ports.map((p) => [`${p.containerPort}/${p.protocol}`, p.hostPort]));
  return {
    id: q.id,
    name: q.name,
    image: q.image,
    command: q.command,
    state: r.state,
    generation: r.generation,
    containerId: r.containerId,
    exitCode: r.exitCode,
    reason: r.reason,
    ...(r.errorCode === undefined ? {} : { errorCode: r.errorCode }),
    ports: q.ports.map((p) => ({
      container: p.containerPort,
      host: bound?.get(`${p.containerPort}/${p.protocol}`) ?? 0,
      protocol: p.protocol,
    })),
    cpu: q.cpuCores,
    memory: q.memoryBytes,
    disk: q.diskBytes,
    labels: q.labels,
    health: r.health,
    ...(r.address === undefined ? {} : { address: r.address }),
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    updatedAt: r.updatedAt,
  };
}

/** Keeps the container's address as the engine gave it ('' when it has none: the address is unknown). */
export function setAddress(rec: WorkerTaskRecord, ipAddress: string): void {
  if (ipAddress === '') delete rec.address;
  else rec.address = ipAddress;
}

/** Exit code and OOM flag, in words. */
export function exitReason(exitCode: number, oomKilled: boolean, memoryBytes: number): string {
  if (oomKilled) return `killed: out of memory (limit ${memoryBytes} bytes)`;
  if (exitCode === 137) return 'exited with code 137 (killed by SIGKILL)';
  if (exitCode === 143) return 'exited with code 143 (terminated by SIGTERM)';
  return `exited with code ${exitCode}`;
}

/** How long a stop waits after its signal: the task's stopGracePeriod (whole seconds, rounded up), or the worker's. */
export function stopGraceOf(request: Pick<TaskRequest, 'stopGraceMs'>, workerGraceSeconds: number): number {
  return request.stopGraceMs === undefined ? workerGraceSeconds : Math.ceil(request.stopGraceMs / 1000);
}
