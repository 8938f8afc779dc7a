/**
 * Which removed nodes each worker was told of: a worker refuses their certificates on its tunnel
 * (src/worker/revoked-nodes.ts). The list of revoked node ids goes in a heartbeat reply only when
 * the set changed since the node was last told (a revocation is never taken back, so its size
 * says), so the common beat costs one comparison and carries nothing more; a register reply
 * carries it whenever there is one. Memory only: a manager that starts, or takes the lead, tells
 * each node on its first beat. A reply lost on its way is not sent again before the next change
 * or the node's next register.
 */
export class RevokedNotice {
  /** By node id: the size of the set when it was last told. */
  readonly #told = new Map<string, number>();

  constructor(private readonly revoked: ReadonlyMap<string, unknown>) {}

  /** Every revoked node id when the node has not been told of this set; undefined otherwise. */
  news(nodeId: string): string[] | undefined {
    const size = this.revoked.size;
    if ((this.#told.get(nodeId) ?? 0) === size) return undefined;
    this.#told.set(nodeId, size);
    return [...this.revoked.keys()];
  }

  /** The node (re)joins, holding none: its next reply carries every revoked id there is. */
  forget(nodeId: string): void {
    this.#told.delete(nodeId);
  }
}
