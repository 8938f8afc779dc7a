/**
 * The ids of the tasks of each name, kept with the records (cluster-state.ts), so a name is found
 * without a look at every task: what `poseidon logs NAME` resolves, and what a submission checks
 * its name against. A task's name never changes (its request is fixed at submit). Most names have
 * one task: its id is kept alone, and a set made only for a name that a second task shares.
 */
export class TaskNames {
  readonly #ids = new Map<string, string | Set<string>>();

  add(name: string, id: string): void {
    const ids = this.#ids.get(name);
    if (ids === undefined) this.#ids.set(name, id);
    else if (typeof ids !== 'string') ids.add(id);
    else if (ids !== id) this.#ids.set(name, new Set([ids, id]));
  }

  delete(name: string, id: string): void {
    const ids = this.#ids.get(name);
    if (ids === id) this.#ids.delete(name);
    else if (typeof ids === 'object' && ids.delete(id) && ids.size === 1) this.#ids.set(name, [...ids][0] as string);
  }

  /** The ids of the tasks of this name (none: empty). */
  of(name: string): Iterable<string> {
    const ids = this.#ids.get(name);
    return ids === undefined ? NONE : typeof ids === 'string' ? [ids] : ids;
  }

  /** Every name a task has. */
  names(): IterableIterator<string> {
    return this.#ids.keys();
  }
}

const NONE: ReadonlySet<string> = new Set();
