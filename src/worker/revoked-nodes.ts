import type { Logger } from 'pino';
import { NO_REVOKED_VERSION, revokedVersion } from '../pki/revoked-version.js';

/**
 * The nodes removed from the cluster, as the manager last said (a heartbeat or register reply
 * carries the list when the version the worker holds is not the manager's: manager/revoked-notice.ts;
 * a manager that polls the worker puts it: revoked-route.ts): the worker's tunnel refuses their
 * certificates, and ends the tunnels they hold. Memory only, none at start: a worker learns them
 * from its first register reply or poll; one without a manager, or with a manager older than this,
 * knows of none (its tunnel takes any certificate of the cluster until it expires, as before).
 * The manager drops a node from its list once every certificate issued to it has expired; the
 * worker drops it when the manager's next list comes without it.
 */
export class RevokedNodes {
  #ids: ReadonlySet<string> = new Set();
  #version = NO_REVOKED_VERSION;
  readonly #listeners = new Set<() => void>();

  constructor(private readonly log: Logger) {}

  has(nodeId: string): boolean {
    return this.#ids.has(nodeId);
  }

  /** The version of the list held (pki/revoked-version.ts), which the worker tells the manager. */
  get version(): string {
    return this.#version;
  }

  /** The manager's whole list, in place of the last one; the newly removed are logged, listeners told. */
  replace(ids: readonly string[]): void {
    const next = new Set(ids);
    const added = ids.filter((id) => !this.#ids.has(id));
    this.#ids = next;
    this.#version = revokedVersion(next);
    if (added.length === 0) return;
    this.log.info(
      { nodeIds: added.slice(0, 20), count: added.length },
      'nodes removed from the cluster: their tunnels are refused',
    );
    for (const fn of this.#listeners) fn();
  }

  /** Called after each change that revokes a node; returns the unsubscribe. */
  onRevoked(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }
}
