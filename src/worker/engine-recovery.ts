import type { Logger } from 'pino';
import type { ContainerState, Driver } from '../driver/index.js';
import { PoseidonError } from '../errors/index.js';
import { TaskState } from '../task/index.js';
import type { ContainerStarts } from './container-starts.js';
import { setAddress } from './record.js';
import type { Resync } from './resync.js';
import type { TaskBook } from './task-book.js';

/** A task the manager has on this node, under its generation. */
export interface OwnedTask {
  taskId: string;
  generation: number;
}

/** Asks the manager which tasks this node still owns; null when it cannot be asked (no manager, or no answer). */
export type OwnershipSource = () => Promise<OwnedTask[] | null>;

export interface EngineRecoveryDeps {
  book: TaskBook;
  driver: Pick<Driver, 'startAgain' | 'remove'>;
  resync: Pick<Resync, 'run'>;
  starts: Pick<ContainerStarts, 'launch'>;
  /** Tasks whose exit was held as possibly the engine's; they are the recovery's from now on. */
  takeHeld(): ReadonlySet<string>;
  /** Which tasks the manager still wants here. */
  owned(): Promise<OwnedTask[] | null>;
  log: Logger;
  watchHealth(
    rec: Parameters<ContainerStarts['launch']>[0],
    container: Pick<ContainerState, 'containerId' | 'ipAddress'>,
  ): void;
}

/**
 * An engine restart is not the tasks' fault. When the engine answers again, the worker lists its
 * containers (resync), asks the manager which of the tasks the engine stopped are still its own,
 * and brings those back as they were: the same container started again (or a new one when the
 * engine lost it), the same task id and generation, no restart counted; the others run elsewhere
 * now, and their containers go. Without an answer from the manager every one comes back, as
 * Docker's own restart policy would; the manager's fencing stops a copy it moved meanwhile.
 */
export class EngineRecovery {
  constructor(private readonly deps: Readonly<EngineRecoveryDeps>) {}

  async run(lostAtMs: number): Promise<void> {
    const { book, log } = this.deps;
    const stopped = await this.deps.resync.run({ lostAtMs, held: this.deps.takeHeld() });
    if (stopped.length === 0) return;
    const owned = await this.deps.owned().catch(() => null);
    const wanted = owned === null ? null : new Map(owned.map((o) => [o.taskId, o.generation]));
    log.info({ tasks: stopped.length, asked: wanted !== null }, 'bringing back the tasks the engine stopped');
    await Promise.all(stopped.map((id) => book.lock.run(id, () => this.#bringBack(id, wanted))));
  }

  async #bringBack(id: string, wanted: Map<string, number> | null): Promise<void> {
    const { book, driver, log } = this.deps;
    const rec = book.get(id);
    if (rec === undefined || rec.state !== TaskState.Running) return;
    const generation = wanted?.get(id);
    if (wanted !== null && (generation === undefined || generation < rec.generation)) {
      if (rec.containerId !== null) await driver.remove(rec.containerId);
      book.move(rec, TaskState.Completed, 'stopped: the manager runs this task on another node now');
      rec.finishedAt = book.nowIso();
      await book.persist(rec);
      book.emit(rec);
      return;
    }
    if (rec.containerId !== null) {
      try {
        const container = await driver.startAgain(rec.containerId);
        rec.startedAt = container.startedAt;
        rec.ports = container.ports;
        setAddress(rec, container.ipAddress);
        rec.reason = 'running again: the engine restarted';
        rec.updatedAt = book.nowIso();
        this.deps.watchHealth(rec, container);
        await book.persist(rec);
        book.emit(rec);
        log.info({ taskId: id, containerId: rec.containerId }, 'task running again after the engine restarted');
        return;
      } catch (err) {
        const detail = err instanceof PoseidonError ? err.message : String(err);
        log.warn({ taskId: id, detail }, 'the stopped container cannot start again; recreating it');
      }
    }
    // the engine lost the container (or cannot start it): a new one, same task and generation
    book.move(rec, TaskState.Scheduled, 'recreating its container: the engine restarted');
    const replaces = rec.containerId;
    rec.containerId = null;
    await book.persist(rec);
    book.emit(rec);
    this.deps.starts.launch(rec, { fresh: false, replaces });
  }
}
