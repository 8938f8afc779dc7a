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
  /**
   * Ended task ids by service (PLAIN for plain tasks), then slot, in the order they ended. A
   * service is keyed by its name and id (keyOf), so a removed service's tasks that end after a
   * service of the same name was created again are still the removed one's: forgotten, not kept
   * as the new one's history.
   */
  readonly #ended = new Map<string, Map<number, Set<string>>>();
  /** Each key of #ended: the service's name and id (none: plain tasks, or a record written before ids). */
  readonly #services = new Map<string, { name: string; id: string | undefined }>();
  /** Where each followed task is: its service's key and slot. */
  readonly #where = new Map<string, { service: string; slot: number }>();
  /** Service keys with a slot past the limit, or removed with history left. */
  #dirty = new Set<string>();

  constructor(
    private readonly deps: {
      limit: number;
      /** Ended plain tasks kept in all. */
      plainLimit: number;
      /**
       * A service of that name exists and is the one of that id (any, when either has no id): a
       * removed one keeps no history, nor does one removed and created again.
       */
      hasService(name: string, id: string | undefined): boolean;
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
    const name = rec.service?.service ?? PLAIN;
    const serviceId = rec.service?.serviceId;
    const where = { service: keyOf(name, serviceId), slot: rec.service?.slot ?? 0 };
    if (!this.#services.has(where.service)) this.#services.set(where.service, { name, id: serviceId });
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
    for (const [key, of] of this.#services) if (of.name === name && this.#keep(key) === 0) this.#dirty.add(key);
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

  /** How many ended tasks each slot of the service keyed `key` keeps. */
  #keep(key: string): number {
    if (key === PLAIN) return this.deps.plainLimit;
    const of = this.#services.get(key);
    return of !== undefined && this.deps.hasService(of.name, of.id) ? this.deps.limit : 0;
  }

  #drop(id: string): void {
    const where = this.#where.get(id);
    if (where === undefined) return;
    this.#where.delete(id);
    const slots = this.#ended.get(where.service);
    const slot = slots?.get(where.slot);
    slot?.delete(id);
    if (slot?.size === 0) slots?.delete(where.slot);
    if (slots?.size === 0) {
      this.#ended.delete(where.service);
      this.#services.delete(where.service);
    }
  }
}

/** A service's key in the history: its name, and its id when it has one (a space is in no DNS label). */
function keyOf(name: string, id: string | undefined): string {
  return id === undefined ? name : `${name} ${id}`;
}
