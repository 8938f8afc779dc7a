import type { Lease } from 'etcd3';

// How a manager of a group gives its leases back as it stops, without waiting on etcd for ever:
// while etcd lacks a majority a revoke never lands (the client retries it until its deadline, and
// a lease still being granted is awaited first), and a SIGTERM (a Ctrl-C, `systemctl stop`) then
// waited on it, silent, for tens of seconds or until a second signal. Each wait is bounded; what
// could not be done is said, and the lease, no longer kept alive, expires by itself.

/** How long a stopping manager waits on etcd for its leases to be revoked. */
export const STOP_DEADLINE_MS = 2_000;

/** Resolves true once `work` settles (either way), false after `ms`. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Revokes `lease` within `ms`: undefined once etcd revoked it (or never granted it), else why not.
 * Its keep-alives stop either way, so etcd expires it by itself a TTL after its last renewal.
 */
export async function revokeWithin(lease: Lease, ms: number): Promise<string | undefined> {
  lease.removeAllListeners();
  if (lease.revoked()) return undefined;
  let failure: string | undefined;
  const revoke = lease.revoke({ deadline: Date.now() + ms }).catch((err: unknown) => {
    failure = err instanceof Error ? err.message.replace(/\.?\s*Resolution note:\s*$/, '') : String(err);
  });
  if (!(await settlesWithin(revoke, ms))) {
    lease.release();
    return `etcd did not answer within ${ms / 1000}s`;
  }
  return failure;
}
