import { NO_REVOKED_VERSION, revokedVersion } from '../pki/revoked-version.js';

/**
 * Which removed nodes each worker holds: a worker refuses their certificates on its tunnel
 * (src/worker/revoked-nodes.ts). A worker says in each beat which version of the set it holds
 * (pki/revoked-version.ts), and the reply carries every revoked id whenever the manager's version
 * differs: a reply lost on its way is sent again on the next beat, and a manager that starts or
 * takes a group's lead needs no memory of what it said. The common beat costs one comparison and
 * carries nothing more. A worker older than versions is told when the set changed since this
 * manager last told it (memory only: a reply it lost is not sent again before the next change or
 * its next register). A register reply carries the list whenever there is one.
 */
export class RevokedNotice {
  /** By node id, for workers that send no version: the version they were last told. */
  readonly #told = new Map<string, string>();

  constructor(private readonly revoked: ReadonlyMap<string, unknown>) {}

  /** The version of the revoked set now. */
  version(): string {
    return revokedVersion(this.revoked.keys());
  }

  /**
   * Every revoked node id when the node does not hold this set; undefined otherwise. `held`: the
   * version the node said it holds; absent from an older worker (then: what it was last told).
   */
  news(nodeId: string, held?: string): string[] | undefined {
    if (held !== undefined) return this.differs(held);
    const now = this.version();
    if ((this.#told.get(nodeId) ?? NO_REVOKED_VERSION) === now) return undefined;
    this.#told.set(nodeId, now);
    return [...this.revoked.keys()];
  }

  /** Every revoked node id when `held` is not the version of the set now; undefined when it is. */
  differs(held: string): string[] | undefined {
    return held === this.version() ? undefined : [...this.revoked.keys()];
  }

  /** The node (re)joins, holding none: its next reply carries every revoked id there is. */
  forget(nodeId: string): void {
    this.#told.delete(nodeId);
  }
}
