import type { Clock } from '../clock/index.js';
import type { ContainerEvent, Driver } from '../driver/index.js';
import { TaskState } from '../task/index.js';
import type { ContainerStarts } from './container-starts.js';
import type { EngineHealth } from './engine-health.js';
import type { WorkerMetrics } from './metrics.js';
import type { WorkerTaskRecord } from './record.js';
import type { TaskBook } from './task-book.js';

/**
 * An exit that follows a stop signal the worker did not send is held this long before it counts:
 * dockerd stopping signals every container first (kill, die), and only then does its event
 * stream end. If the engine goes away meanwhile, the exit was the engine's, not the task's.
 */
export const FOREIGN_EXIT_HOLD_MS = 20_000;

/**
 * Whether a kill event's signal is SIGKILL (the engine says "9"). dockerd stopping a container
 * sends its stop signal first (SIGTERM unless the image says otherwise) and SIGKILL only after the
 * grace: a container whose first signal from outside is SIGKILL was killed by someone
 * (`docker kill`, `docker rm -f`), not stopped by the engine going down, and its exit counts at once.
 */
function isSigkill(signal: string): boolean {
  const s = signal.toUpperCase();
  return s === '9' || s === 'SIGKILL' || s === 'KILL';
}

type TaskEvent = Extract<ContainerEvent, { taskId: string }>;

export interface ContainerEventsDeps {
  book: TaskBook;
  driver: Pick<Driver, 'inspect'>;
  starts: Pick<ContainerStarts, 'exitedEarly'>;
  engine: Pick<EngineHealth, 'lost' | 'answered' | 'available'>;
  clock: Clock;
  metrics: WorkerMetrics;
  /** No more health checks for the task (its exit is held). */
  stopHealth(taskId: string): void;
  /** The engine's verdict on the container's own HEALTHCHECK (HealthVerdicts.engineVerdict); under the task's lock. */
  engineVerdict(rec: WorkerTaskRecord, containerId: string, healthy: boolean): Promise<void>;
  /** Lists the containers and makes the records agree (after the event stream had a gap). */
  resync(): Promise<void>;
  /** Keeps a background operation where the worker's stop() waits for it. */
  track(p: Promise<unknown>): void;
}

/**
 * The engine's word on the worker's containers (Driver.watch): an exit finishes its task
 * (Completed on 0, Failed otherwise, out of memory said so), a container removed behind the
 * worker's back fails its task, and a gap in the stream (`resync`) makes the worker list and
 * catch up. An exit after a stop signal someone else sent is held a while (FOREIGN_EXIT_HOLD_MS):
 * if the engine goes away meanwhile it stopped the container, and the task is brought back with
 * it, not failed. A SIGKILL from outside (`docker kill`) counts at once. Each event is applied
 * under its task's lock.
 */
export class ContainerEvents {
  /** Containers the engine reported OOM-killed, until their task finishes. */
  readonly #oomKills = new Set<string>();
  /** Containers signalled by someone other than the worker, with the first signal, until they exit. */
  readonly #foreignKills = new Map<string, string>();
  /** Exits held by task id, each with the cancel of its timer. */
  readonly #held = new Map<string, { exit: Extract<ContainerEvent, { kind: 'exited' }>; cancel: () => void }>();

  constructor(private readonly deps: Readonly<ContainerEventsDeps>) {}

  /** Tasks whose container's exit is held (the engine may have stopped it). */
  held(): ReadonlySet<string> {
    return new Set(this.#held.keys());
  }

  /** Driver.watch's callback. */
  readonly handle = (e: ContainerEvent): void => {
    if (e.kind === 'engine-lost') {
      this.deps.engine.lost(e.reason);
      return;
    }
    if (e.kind === 'resync') {
      this.deps.metrics.eventStreamReconnects.inc();
      if (!this.deps.engine.available)
        this.deps.engine.answered(); // it resyncs and recovers
      else this.deps.track(this.deps.resync());
      return;
    }
    // the start that made the container records it (a start's own result): its event changes
    // nothing, and skipping it saves every start a turn of its task's lock (GC, cpu)
    if (e.kind === 'started') return;
    this.deps.track(this.deps.book.lock.run(e.taskId, () => this.#apply(e)));
  };

  /** The engine is back and the held exits were its doing: the recovery takes them from here. */
  releaseHeld(): void {
    for (const h of this.#held.values()) h.cancel();
    this.#held.clear();
  }

  async #apply(e: TaskEvent): Promise<void> {
    const { book } = this.deps;
    const rec = book.get(e.taskId);
    if (rec === undefined) return;
    if (rec.containerId !== e.containerId) {
      // the start that made this container has not recorded it yet: it checks this set
      if (e.kind === 'exited' && rec.state === TaskState.Scheduled) this.deps.starts.exitedEarly(e.containerId);
      return;
    }
    if (rec.state !== TaskState.Running) {
      this.#oomKills.delete(e.containerId); // an oom after the die: the die's 137 asked the engine
      this.#foreignKills.delete(e.containerId);
      return;
    }
    if (e.kind === 'oom') {
      this.#oomKills.add(e.containerId); // the die that follows tells the end
      return;
    }
    if (e.kind === 'health') {
      await this.deps.engineVerdict(rec, e.containerId, e.healthy);
      return;
    }
    if (e.kind === 'killed') {
      if (!rec.stopRequested && !book.isOwnStop(e.containerId) && !this.#foreignKills.has(e.containerId))
        this.#foreignKills.set(e.containerId, e.signal);
      return;
    }
    if (e.kind === 'exited') {
      const first = this.#foreignKills.get(e.containerId);
      this.#foreignKills.delete(e.containerId);
      if (first !== undefined && !isSigkill(first) && !this.#oomKills.has(e.containerId)) {
        this.#hold(e);
        return;
      }
      await this.#finish(e);
    } else if (e.kind === 'removed') {
      const held = this.#held.get(e.taskId); // docker rm -f: the kill and the die came first
      held?.cancel();
      this.#held.delete(e.taskId);
      book.move(rec, TaskState.Failed, 'container was removed outside Poseidon');
      if (held !== undefined) rec.exitCode = held.exit.exitCode;
      rec.finishedAt = held?.exit.at ?? book.nowIso();
    } else {
      return;
    }
    await book.persist(rec);
    book.emit(rec);
  }

  /** Records the exit the event tells of; the caller persists. */
  async #finish(e: Extract<ContainerEvent, { kind: 'exited' }>): Promise<void> {
    const rec = this.deps.book.get(e.taskId);
    if (rec === undefined) return;
    // the event carries the exit code; only a kill (137: the kernel's OOM killer is one) needs
    // the engine's word on why. Otherwise the replacement need not wait for an inspect.
    const oomKilled = this.#oomKills.delete(e.containerId);
    const seen = e.exitCode === 137 && !oomKilled ? await this.deps.driver.inspect(e.containerId) : null;
    this.deps.book.finish(rec, seen ?? { exitCode: e.exitCode, oomKilled, finishedAt: e.at });
  }

  /** Holds a foreign exit; if the engine still answers when the hold ends, it counts as usual. */
  #hold(e: Extract<ContainerEvent, { kind: 'exited' }>): void {
    const { book } = this.deps;
    this.deps.stopHealth(e.taskId); // its checks would fail against a stopped container
    const cancel = this.deps.clock.setTimer(FOREIGN_EXIT_HOLD_MS, () => {
      this.#held.delete(e.taskId);
      if (!this.deps.engine.available) return; // the engine's doing: the recovery brings it back
      this.deps.track(
        book.lock.run(e.taskId, async () => {
          const rec = book.get(e.taskId);
          if (rec === undefined || rec.state !== TaskState.Running || rec.containerId !== e.containerId) return;
          await this.#finish(e);
          await book.persist(rec);
          book.emit(rec);
        }),
      );
    });
    this.#held.get(e.taskId)?.cancel();
    this.#held.set(e.taskId, { exit: e, cancel });
  }
}
