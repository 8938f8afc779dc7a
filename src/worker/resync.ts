import type { Logger } from 'pino';
import type { ContainerState, Driver } from '../driver/index.js';
import { LABEL_TASK_NAME } from '../driver/index.js';
import { DEFAULT_RESTART_POLICY, TaskState, type TaskRequest } from '../task/index.js';
import type { ContainerStarts } from './container-starts.js';
import { NO_HEALTH, setAddress, type WorkerTaskRecord } from './record.js';
import { ENGINE_SHUTDOWN_WINDOW_MS } from './engine-health.js';
import type { TaskBook } from './task-book.js';

export interface ResyncDeps {
  book: TaskBook;
  driver: Pick<Driver, 'list' | 'remove'>;
  starts: Pick<ContainerStarts, 'isStarting' | 'launch'>;
  log: Logger;
  /** Health checks for a Running task found with its container (resumed after a restart). */
  watchHealth(rec: WorkerTaskRecord, container: Pick<ContainerState, 'containerId' | 'ipAddress'>): void;
}

/** After an engine outage: when it began, and the tasks whose exit was held as possibly the engine's. */
export interface Outage {
  lostAtMs: number;
  held: ReadonlySet<string>;
}

/**
 * Lists this worker's containers (by label) and makes the records agree with them: on start,
 * and whenever the engine's event stream had a gap. A running container with no record is
 * adopted; a stale copy of a task is removed; a start cut short is launched again; a Running
 * task whose container exited or vanished meanwhile is finished, unless the engine stopped it
 * (after an outage): those are left Running and returned, for the recovery to bring back.
 */
export class Resync {
  constructor(private readonly deps: Readonly<ResyncDeps>) {}

  async run(outage?: Outage): Promise<string[]> {
    const { book } = this.deps;
    const containers = await this.deps.driver.list();
    const byTask = new Map<string, ContainerState[]>();
    for (const c of containers) byTask.set(c.taskId, [...(byTask.get(c.taskId) ?? []), c]);
    const ids = new Set([...book.ids(), ...byTask.keys()]);
    const stoppedByEngine: string[] = [];
    await Promise.all(
      [...ids].map((id) =>
        book.lock.run(id, async () => {
          if (await this.#task(id, byTask.get(id) ?? [], outage)) stoppedByEngine.push(id);
        }),
      ),
    );
    return stoppedByEngine;
  }

  /** True when the task's container was stopped (or lost) by the engine during the outage. */
  async #task(id: string, containers: ContainerState[], outage: Outage | undefined): Promise<boolean> {
    const { book, driver, log } = this.deps;
    let rec = book.get(id);
    if (rec === undefined) {
      const running = containers.find((c) => c.running);
      if (running === undefined) {
        // exited, and no record: nothing to keep
        for (const c of containers) await driver.remove(c.containerId);
        return false;
      }
      rec = adoptRecord(running, book.nowIso());
      book.set(rec);
      log.info({ taskId: id, containerId: running.containerId }, 'adopted container without a record');
    }
    const current = containers.find((c) => c.containerId === rec.containerId);
    // never two copies: any other running container of this task is a stale copy
    for (const c of containers) {
      if (c !== current && c.running) {
        log.warn({ taskId: id, containerId: c.containerId }, 'stopping a stale copy of a task');
        await driver.remove(c.containerId);
      }
    }
    if (rec.state === TaskState.Scheduled && !this.deps.starts.isStarting(id)) {
      this.deps.starts.launch(rec); // the worker stopped mid-start; the driver adopts a container it already made
      return false;
    }
    if (rec.state !== TaskState.Running) return false;
    if (outage !== undefined && (current === undefined || !current.running) && stoppedBy(outage, id, current)) {
      return true;
    }
    if (current === undefined) {
      book.move(rec, TaskState.Failed, 'container disappeared while the worker was not watching');
      rec.finishedAt = book.nowIso();
    } else if (!current.running) {
      book.finish(rec, current);
    } else {
      rec.ports = current.ports;
      setAddress(rec, current.ipAddress);
      this.deps.watchHealth(rec, current); // adopted after a restart, or still watched (then unchanged)
    }
    await book.persist(rec);
    book.emit(rec);
    return false;
  }
}

/**
 * Whether the engine stopped (or lost) the container: its exit was held as possibly the
 * engine's, or it ended after the engine went away, or within the engine's own shutdown
 * before that (dockerd stops every container before its API goes).
 */
function stoppedBy(outage: Outage, taskId: string, c: ContainerState | undefined): boolean {
  if (outage.held.has(taskId) || c === undefined) return true;
  const finished = c.finishedAt === null ? Number.NaN : Date.parse(c.finishedAt);
  return !Number.isFinite(finished) || finished >= outage.lostAtMs - ENGINE_SHUTDOWN_WINDOW_MS;
}

/** A record for a running container found by label with no record (the data dir was lost). */
function adoptRecord(c: ContainerState, now: string): WorkerTaskRecord {
  const request: TaskRequest = {
    id: c.taskId,
    name: c.labels[LABEL_TASK_NAME] ?? c.taskId.slice(0, 8),
    image: c.image,
    command: c.command,
    env: {},
    cpuCores: 0,
    memoryBytes: 0,
    diskBytes: 0,
    ports: c.ports.map((p) => ({ containerPort: p.containerPort, hostPort: p.hostPort, protocol: p.protocol })),
    labels: {},
    restartPolicy: { ...DEFAULT_RESTART_POLICY },
    healthCheck: null,
  };
  return {
    request,
    generation: c.generation,
    state: TaskState.Running,
    containerId: c.containerId,
    exitCode: null,
    reason: 'adopted a running container',
    ports: c.ports,
    ...(c.ipAddress === '' ? {} : { address: c.ipAddress }),
    startedAt: c.startedAt,
    finishedAt: null,
    stopRequested: false,
    health: NO_HEALTH,
    updatedAt: now,
  };
}
