/**
 * The ids of the tasks of each name, kept with the records (cluster-state.ts), so a name is found
 * without a look at every task: what `poseidon logs NAME` resolves, and what a submission checks
 * its name against. A task's name never changes (its request is fixed at submit).
 */
export class TaskNames {
  readonly #ids = new Map<string, Set<string>>();

  add(name: string, id: string): void {
    let ids = this.#ids.get(name);
    if (ids === undefined) this.#ids.set(name, (ids = new Set()));
    ids.add(id);
  }

  delete(name: string, id: string): void {
    const ids = this.#ids.get(name);
    if (ids === undefined || !ids.delete(id)) return;
    if (ids.size === 0) this.#ids.delete(name);
  }

  /** The ids of the tasks of this name (none: empty). */
  of(name: string): ReadonlySet<string> {
    return this.#ids.get(name) ?? NONE;
  }

  /** Every name a task has. */
  names(): IterableIterator<string> {
    return this.#ids.keys();
  }
}

const NONE: ReadonlySet<string> = new Set();
