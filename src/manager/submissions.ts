import type { ClusterState } from './cluster-state.js';

/** A submission waiting for its first write. */
interface Waiting {
  durable: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Submissions accepted but not written yet. A submission is not written on its own: the next
 * reconcile pass writes it together with its placement, one write instead of two, and the pass's
 * batch shares one commit among all it holds. Each submitter waits for that write (a 201 means
 * durable); when it fails, the submitter gets the error and the task never existed.
 */
export class Submissions {
  #waiting = new Map<string, Waiting>();

  get size(): number {
    return this.#waiting.size;
  }

  /** Resolves once a pass has written the submission. */
  add(id: string): Promise<void> {
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const durable = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#waiting.set(id, { durable, resolve, reject });
    return durable;
  }

  /** The write a resubmission of the same task waits for; undefined once it is done. */
  durable(id: string): Promise<void> | undefined {
    return this.#waiting.get(id)?.durable;
  }

  /** Every submission waiting now, for one pass to write; later ones wait for the next. */
  take(): TakenSubmissions {
    const taken = this.#waiting;
    this.#waiting = new Map();
    return new TakenSubmissions(taken);
  }
}

/** Submissions one pass took: all resolve or all fail with it. */
export class TakenSubmissions {
  constructor(private readonly taken: ReadonlyMap<string, Waiting>) {}

  get size(): number {
    return this.taken.size;
  }

  ids(): IterableIterator<string> {
    return this.taken.keys();
  }

  written(): void {
    for (const w of this.taken.values()) w.resolve();
  }

  failed(err: unknown): void {
    for (const w of this.taken.values()) w.reject(err);
  }
}

/**
 * On stop: the submissions no pass will write now are written as they are, so every accepted
 * one is durable; when that write fails, each submitter gets the error and the task never existed.
 */
export async function saveUnwritten(state: ClusterState, submissions: Submissions): Promise<void> {
  if (submissions.size === 0) return;
  const taken = submissions.take();
  const changes = state.newChanges();
  for (const id of taken.ids()) {
    const rec = state.task(id);
    if (rec !== undefined) changes.put(rec);
  }
  try {
    await state.commit(changes);
  } catch (err) {
    for (const id of taken.ids()) state.drop(id);
    taken.failed(err);
    return;
  }
  taken.written();
}
