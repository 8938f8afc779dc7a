import { createHash } from 'node:crypto';

/**
 * The version of a set of revoked node ids: a digest of the ids in order, the same on every
 * manager of a group and on the worker that holds the set. A worker says which it holds; the
 * manager sends the set only when its own differs (manager/revoked-notice.ts).
 */
export function revokedVersion(ids: Iterable<string>): string {
  return createHash('sha256')
    .update([...ids].sort().join('\n'))
    .digest('hex')
    .slice(0, 16);
}

/** The version of the empty set: what a worker holds before the manager told it of any removal. */
export const NO_REVOKED_VERSION = revokedVersion([]);
