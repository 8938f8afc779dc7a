import type { ContainerEvent, Driver } from '../driver/index.js';
import { TaskState } from '../task/index.js';
import type { ContainerStarts } from './container-starts.js';
import type { WorkerMetrics } from './metrics.js';
import type { TaskBook } from './task-book.js';

export interface ContainerEventsDeps {
  book: TaskBook;
  driver: Pick<Driver, 'inspect'>;
  starts: Pick<ContainerStarts, 'exitedEarly'>;
  metrics: WorkerMetrics;
  /** Lists the containers and makes the records agree (after the event stream broke). */
  resync(): Promise<void>;
  /** Keeps a background operation where the worker's stop() waits for it. */
  track(p: Promise<unknown>): void;
}

/**
 * The engine's word on the worker's containers (Driver.watch): an exit finishes its task
 * (Completed on 0, Failed otherwise, out of memory said so), a container removed behind the
 * worker's back fails its task, and a gap in the stream (`resync`) makes the worker list
 * and catch up. Each event is applied under its task's lock.
 */
export class ContainerEvents {
  /** Containers the engine reported OOM-killed, until their task finishes. */
  readonly #oomKills = new Set<string>();

  constructor(private readonly deps: Readonly<ContainerEventsDeps>) {}

  /** Driver.watch's callback. */
  readonly handle = (e: ContainerEvent): void => {
    if (e.kind === 'resync') {
      this.deps.metrics.eventStreamReconnects.inc();
      this.deps.track(this.deps.resync());
      return;
    }
    this.deps.track(this.deps.book.lock.run(e.taskId, () => this.#apply(e)));
  };

  async #apply(e: Exclude<ContainerEvent, { kind: 'resync' }>): Promise<void> {
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
      return;
    }
    if (e.kind === 'oom') {
      this.#oomKills.add(e.containerId); // the die that follows tells the end
      return;
    }
    if (e.kind === 'exited') {
      // the event carries the exit code; only a kill (137: the kernel's OOM killer is one) needs
      // the engine's word on why. Otherwise the replacement need not wait for an inspect.
      const oomKilled = this.#oomKills.delete(e.containerId);
      const seen = e.exitCode === 137 && !oomKilled ? await this.deps.driver.inspect(e.containerId) : null;
      book.finish(rec, seen ?? { exitCode: e.exitCode, oomKilled, finishedAt: e.at });
    } else if (e.kind === 'removed') {
      book.move(rec, TaskState.Failed, 'container was removed outside Poseidon');
      rec.finishedAt = book.nowIso();
    } else {
      return;
    }
    await book.persist(rec);
    book.emit(rec);
  }
}
