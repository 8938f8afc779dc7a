/** A settled promise every first holder of a key chains on: a key's first run starts a turn later, as a queued one. */
const FREE: Promise<void> = Promise.resolve();

/** Runs at most one operation per key at a time; later callers queue behind the current one. */
export class KeyedLock {
  /** Per key, what the next caller waits for: the last operation's end, failed or not. */
  readonly #tails = new Map<string, Promise<void>>();

  /**
   * `fn`'s own result, once every earlier operation on the key ended. Two promises a call (the
   * turn and the key's tail): the workers run several a task, and an async wrapper, a fresh
   * resolved promise and a catch more were garbage on each.
   */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const next = (this.#tails.get(key) ?? FREE).then(fn, fn);
    const release = (): void => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
    // settles either way once `next` has, and frees the key before `next`'s caller resumes
    const tail = next.then(release, release);
    this.#tails.set(key, tail);
    return next;
  }
}
