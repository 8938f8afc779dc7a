import { PoseidonError } from '../errors/index.js';

/**
 * etcd cannot be reached (every member down, or a cut) or did not answer in time: nothing was
 * acknowledged, and a write that timed out may still land if etcd had it in its log.
 */
export class StoreUnavailable extends PoseidonError {
  constructor(endpoints: readonly string[], detail: string, options?: ErrorOptions) {
    super(
      'store_unavailable',
      `cannot reach etcd at ${endpoints.join(', ')}: ${detail}; ` +
        'is the etcd cluster up, and does a majority of its members answer?',
      options,
    );
  }
}

/** A fenced write whose fence no longer holds: the writer lost its leadership; nothing was written. */
export class FenceLost extends PoseidonError {
  constructor(readonly fence: string) {
    super('not_leader', `write refused: ${fence} no longer holds (this manager is not the leader any more)`);
  }
}

/** etcd answered and refused the write or read (too many operations in one transaction, a request too big). */
export class StoreRefused extends PoseidonError {
  constructor(detail: string, options?: ErrorOptions) {
    super('internal', `etcd refused the request: ${detail}`, options);
  }
}
