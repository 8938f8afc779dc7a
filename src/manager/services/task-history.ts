import type { Logger } from 'pino';
import { isEnded } from '../cluster-state.js';
import type { TaskRecord } from '../records.js';

/** Ended tasks kept per replica slot unless the manager is told otherwise (Swarm keeps 5 too). */
export const DEFAULT_TASK_HISTORY = 5;
/** Ended plain tasks kept in all unless the manager is told otherwise. */
export const DEFAULT_PLAIN_TASK_HISTORY = 1_000;

/** Where plain tasks are kept: no service is named so (a service's name is a DNS label). */
const PLAIN = '';

/** At most this many go in one prune (one write); the rest go in the next. */
const MAX_PER_PRUNE = 1_000;

/**
 * The ended tasks of each service's replica slots and of the plain tasks, and the forgetting of
 * the oldest: a slot keeps the last `limit` of its tasks to end (what `poseidon status` shows of
 * its past, and their reasons), a removed service none, and the plain tasks the last
 * `plainLimit` to end. Without it every replacement, every update and every one-off task left
 * a record for ever (and a plain task its exited container): a replica that failed in a loop
 * added one every few seconds, to the store, to the manager's memory and to every `poseidon
 * status`. Each slot is kept in the order its tasks ended, so the oldest go first at no sort.
 */
export class TaskHistory {
  /** Ended task ids by service (PLAIN for plain tasks), then slot, in the order they ended. */
  readonly #ended = new Map<string, Map<number, Set<string>>>();
  /** Where each followed task is: its service and slot. */
  readonly #where = new Map<string, { service: string; slot: number }>();
  /** Services with a slot past the limit, or removed with history left. */
  #dirty = new Set<string>();

  constructor(
    private readonly deps: {
      limit: number;
      /** Ended plain tasks kept in all. */
      plainLimit: number;
      /** The service exists (a removed one keeps no history). */
      hasService(name: string): boolean;
      /** Forgets ended tasks in one durable write; the ids it forgot. */
      forget(ids: readonly string[]): Promise<string[]>;
      log: Logger;
    },
  ) {}

  /**
   * Follows a task's latest record (undefined: it is gone). A replica's task that ended but is
   * still wanted running is not history yet: it is its slot's result, which the service
   * orchestrator reads (a job's done or failed slot; a replica its policy gave up on, until it is
   * replaced) and marks stopped once it is past; forgotten before, a job would run that slot again.
   */
  follow(id: string, rec: TaskRecord | undefined): void {
    if (rec === undefined || !isEnded(rec) || (rec.service !== undefined && rec.desired === 'running')) {
      this.#drop(id);
      return;
    }
    if (this.#where.has(id)) return; // ended already: its place in the order stays
    const where = { service: rec.service?.service ?? PLAIN, slot: rec.service?.slot ?? 0 };
    let slots = this.#ended.get(where.service);
    if (slots === undefined) this.#ended.set(where.service, (slots = new Map()));
    let slot = slots.get(where.slot);
    if (slot === undefined) slots.set(where.slot, (slot = new Set()));
    slot.add(id);
    this.#where.set(id, where);
    if (slot.size > this.#keep(where.service)) this.#dirty.add(where.service);
  }

  /** A service was written or removed: a removed one's history goes at the next prune. */
  serviceChanged(name: string): void {
    if (this.#ended.has(name) && this.#keep(name) === 0) this.#dirty.add(name);
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
      const keep = this.#keep(service);
      for (const slot of this.#ended.get(service)?.values() ?? []) {
        let over = slot.size - keep;
        for (const id of slot) {
          if (over-- <= 0 || ids.length >= MAX_PER_PRUNE) break;
          ids.push(id);
        }
      }
    }
    if (ids.length === 0) return 0;
    if (ids.length >= MAX_PER_PRUNE) for (const s of dirty) this.#dirty.add(s); // the rest next time
    try {
      const gone = await this.deps.forget(ids);
      if (gone.length > 0) this.deps.log.debug({ tasks: gone.length }, 'ended tasks forgotten');
      // one written meanwhile (a late report) is kept for now: the next prune tries it again
      if (gone.length < ids.length) for (const s of dirty) this.#dirty.add(s);
      return gone.length;
    } catch (err) {
      for (const s of dirty) this.#dirty.add(s);
      throw err;
    }
  }

  /** How many ended tasks each slot of `service` keeps. */
  #keep(service: string): number {
    if (service === PLAIN) return this.deps.plainLimit;
    return this.deps.hasService(service) ? this.deps.limit : 0;
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
