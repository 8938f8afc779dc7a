import { chmodSync, mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

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
  makeDirs(path);
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) chmodSync(path, PRIVATE_DIR_MODE);
}

/**
 * A data dir: created 0700 (missing parents too). One that is there already keeps its mode: it
 * may be a directory the operator shares (`--data-dir /srv/poseidon`, or one chosen by mistake),
 * and the stores in it make their own directories private (privateDir), keys and tokens are 0600.
 */
export function dataDir(path: string): void {
  makeDirs(path);
}

/**
 * `mkdirSync(path, { recursive: true, mode: 0700 })` without its faults: Node's (20) loops for ever,
 * using a core, where a parent takes no new directory (`/proc/x`: mkdir says ENOENT, and it makes
 * the parent again), and says ENOENT on a read-only file system instead of EROFS. Here each missing
 * directory is made in turn from the first one there, and the first failure is the error: a file
 * where the directory should be is EEXIST, as mkdir says it.
 */
function makeDirs(path: string): void {
  const missing: string[] = [];
  for (let at = resolve(path); ; at = dirname(at)) {
    const found = statOf(at);
    if (found === 'missing' && dirname(at) !== at) {
      missing.unshift(at);
      continue;
    }
    if (found !== 'missing' && !found.isDirectory()) {
      const code = at === resolve(path) ? 'EEXIST' : 'ENOTDIR';
      throw Object.assign(new Error(`${code}: not a directory, mkdir '${at}'`), { code, path: at, syscall: 'mkdir' });
    }
    break;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir, { mode: PRIVATE_DIR_MODE });
    } catch (err) {
      // made meanwhile by another process: a directory is all this asks
      if ((err as { code?: unknown }).code !== 'EEXIST' || !statSync(dir).isDirectory()) throw err;
    }
  }
}

function statOf(path: string): Stats | 'missing' {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return 'missing';
    throw err;
  }
}
