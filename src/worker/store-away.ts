import { RemoteError } from '../errors/index.js';

// A worker given one manager of a group, started while that manager is cut off from etcd (once
// a follower named the leader, the worker's client keeps its URL too): it answers every beat
// `503 store_unavailable` (it cannot tell which manager leads), the worker, knowing no other,
// asks it again beat after beat, and the leader hears nothing from the worker meanwhile. Its log
// repeated that manager's answer, which names no remedy on the worker's side.

/**
 * What to say, once a streak, when the only manager a worker knows (`managers`: its client's)
 * cannot reach its store; undefined for any other failure, or when it has others to try (its
 * client does).
 */
export function storeAwayLine(err: unknown, managers: readonly string[]): string | undefined {
  if (!(err instanceof RemoteError) || err.code !== 'store_unavailable' || managers.length !== 1) return undefined;
  return (
    `the manager at ${managers[0] ?? ''} cannot reach its store (etcd), and this worker knows no other manager ` +
    `to ask (${err.message}); it keeps asking that one, and the leader does not hear from this worker meanwhile: ` +
    "pass every manager's URL to --manager (comma-separated), or restore that manager's link to etcd"
  );
}
