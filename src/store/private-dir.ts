import { chmodSync, mkdirSync, statSync } from 'node:fs';

/**
 * A data dir's mode: its owner's alone. It holds the store (every task's env, secrets' values),
 * keys and tokens; Docker keeps /var/lib/docker 0710 for the same reason.
 */
export const PRIVATE_DIR_MODE = 0o700;
/** The mode the store's files are created with (LMDB's own default is 0664, less the umask). */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Makes `path` (and any missing parent) a directory only its owner may enter: created 0700, or,
 * when it is there already and others may read or enter it (a data dir from an older release,
 * made 0755 under the usual umask), tightened to 0700. Its files are out of others' reach then,
 * whatever their own modes.
 */
export function privateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) chmodSync(path, PRIVATE_DIR_MODE);
}

/**
 * A data dir: created 0700 (missing parents too). One that is there already keeps its mode: it
 * may be a directory the operator shares (`--data-dir /srv/poseidon`, or one chosen by mistake),
 * and the stores in it make their own directories private (privateDir), keys and tokens are 0600.
 */
export function dataDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
}
