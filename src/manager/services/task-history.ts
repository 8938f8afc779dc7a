import type { Logger } from 'pino';
import { isEnded } from '../cluster-state.js';
import type { TaskRecord } from '../records.js';

/** Ended tasks kept per replica slot unless the manager is told otherwise (Swarm keeps 5 too). */
export const DEFAULT_TASK_HISTORY = 5;

/** At most this many go in one prune (one write); the rest go in the next. */
const MAX_PER_PRUNE = 1_000;

/** An ended replica: when it was submitted, which orders a slot's history. */
interface Ended {
  id: string;
  submittedAt: string;
}

/**
 * The ended tasks of each service's replica slots, and the forgetting of the oldest: a slot keeps
 * its last `limit` ended tasks (what `poseidon status` shows of its past, and their reasons), a
 * removed service none. Without it every replacement and every update left a record for ever: a
 * replica that failed in a loop added one every few seconds, to the store, to the manager's
 * memory and to every `poseidon status`. Plain tasks are not touched: they are the user's.
 */
export class TaskHistory {
  /** Ended tasks by service, then slot. */
  readonly #ended = new Map<string, Map<number, Map<string, Ended>>>();
  /** Where each followed task is: its service and slot. */
  readonly #where = new Map<string, { service: string; slot: number }>();
  /** Services with a slot past the limit, or removed with history left. */
  #dirty = new Set<string>();

  constructor(
    private readonly deps: {
      limit: number;
      /** The service exists (a removed one keeps no history). */
      hasService(name: string): boolean;
      /** Forgets ended tasks in one durable write; the ids it forgot. */
      forget(ids: readonly string[]): Promise<string[]>;
      log: Logger;
    },
  ) {}

  /** Follows a task's latest record (undefined: it is gone). */
  follow(id: string, rec: TaskRecord | undefined): void {
    const ref = rec?.service;
    if (rec === undefined || ref === undefined || !isEnded(rec)) {
      this.#drop(id);
      return;
    }
    this.#drop(id);
    let slots = this.#ended.get(ref.service);
    if (slots === undefined) this.#ended.set(ref.service, (slots = new Map()));
    let slot = slots.get(ref.slot);
    if (slot === undefined) slots.set(ref.slot, (slot = new Map()));
    slot.set(id, { id, submittedAt: rec.submittedAt });
    this.#where.set(id, { service: ref.service, slot: ref.slot });
    if (slot.size > this.deps.limit || !this.deps.hasService(ref.service)) this.#dirty.add(ref.service);
  }

  /** A service was written or removed: a removed one's history goes at the next prune. */
  serviceChanged(name: string): void {
    if (this.#ended.has(name) && !this.deps.hasService(name)) this.#dirty.add(name);
  }

  /** How many ended tasks are kept, in all (for tests and metrics). */
  get size(): number {
    return this.#where.size;
  }

  /**
   * Forgets, in one write, the ended tasks past each dirty slot's limit, oldest first; all of a
   * removed service's. A failed write leaves them to the next prune. Returns how many went.
   */
  async prune(): Promise<number> {
    if (this.#dirty.size === 0) return 0;
    const dirty = this.#dirty;
    this.#dirty = new Set();
    const ids: string[] = [];
    for (const service of dirty) {
      const keep = this.deps.hasService(service) ? this.deps.limit : 0;
      for (const slot of this.#ended.get(service)?.values() ?? []) {
        if (slot.size <= keep) continue;
        const oldest = [...slot.values()].sort(bySubmission).slice(0, slot.size - keep);
        for (const e of oldest) ids.push(e.id);
      }
    }
    if (ids.length === 0) return 0;
    if (ids.length > MAX_PER_PRUNE) {
      ids.length = MAX_PER_PRUNE;
      for (const s of dirty) this.#dirty.add(s); // the rest next time
    }
    try {
      const gone = await this.deps.forget(ids);
      if (gone.length > 0) this.deps.log.debug({ tasks: gone.length }, 'ended replicas forgotten');
      return gone.length;
    } catch (err) {
      for (const s of dirty) this.#dirty.add(s);
      throw err;
    }
  }

  #drop(id: string): void {
    const where = this.#where.get(id);
    if (where === undefined) return;
    this.#where.delete(id);
    const slots = this.#ended.get(where.service);
    const slot = slots?.get(where.slot);
    slot?.delete(id);
    if (slot?.size === 0) slots?.delete(where.slot);
    if (slots?.size === 0) this.#ended.delete(where.service);
  }
}

function bySubmission(a: Ended, b: Ended): number {
  return a.submittedAt < b.submittedAt ? -1 : a.submittedAt > b.submittedAt ? 1 : a.id < b.id ? -1 : 1;
}
