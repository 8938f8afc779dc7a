import { existsSync, mkdtempSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InvalidField } from '../errors/index.js';
import { fsProblem } from '../files/index.js';
import { dataDir } from '../store/private-dir.js';

// The two places a `manager`, `worker` or `dev` takes as it starts, its data dir and the address
// it listens on, refused in one line naming the flag (or, from a config file, its key) rather than
// with Node's stack: `--data-dir` naming a file, `--host` naming a host no resolver knows.

/**
 * Makes the data dir (0700, missing parents too; see private-dir.ts), and checks this process can
 * write in it (the store, keys and tokens go there), or says why it cannot be one:
 * `--data-dir is "/srv/poseidon.tgz", a file, not a directory; give a directory`.
 */
export function makeDataDir(path: string): void {
  try {
    dataDir(path);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'EEXIST')
      throw new InvalidField('--data-dir', `is "${path}", a file, not a directory; give a directory`);
    throw new InvalidField('--data-dir', `is "${path}", which cannot be made a directory: ${cannotMake(err)}`);
  }
  try {
    rmdirSync(mkdtempSync(join(path, '.write-check-')));
  } catch (err) {
    throw new InvalidField(
      '--data-dir',
      `is "${path}", a directory this process cannot write in (its store and keys go there): ${cannotMake(err)}`,
    );
  }
}

/** Why a directory or file could not be made in a data dir, and what to do. */
function cannotMake(err: unknown): string {
  const { code, path } = err as { code?: unknown; path?: unknown };
  // ENOENT for a new entry whose parent is there: /proc, /sys (kernel file systems) take none
  if (code === 'ENOENT' && typeof path === 'string' && existsSync(dirname(path)))
    return (
      `${dirname(path)} takes no new entries (a kernel file system such as /proc or /sys); ` +
      'give a directory on a disk'
    );
  return fsProblem(err);
}

/** Node's error for a name that does not resolve: `getaddrinfo ENOTFOUND foo`. */
function unresolved(err: unknown): string | undefined {
  const e = err as { syscall?: unknown; code?: unknown } | null;
  return typeof e === 'object' && e !== null && e.syscall === 'getaddrinfo' && typeof e.code === 'string'
    ? e.code
    : undefined;
}

/**
 * Listens on `host`:`port` and gives the URL; a host name that resolves to nothing is refused
 * naming `--host` (an address taken or not this host's is said by the CLI's error line).
 */
export async function listenOn(
  app: { listen(opts: { host: string; port: number }): Promise<string> },
  host: string,
  port: number,
): Promise<string> {
  try {
    return await app.listen({ host, port });
  } catch (err) {
    const code = unresolved(err);
    if (code === undefined) throw err;
    throw new InvalidField(
      '--host',
      `is "${host}", a name that resolves to no address here (${code}); ` +
        'give an address of this host, such as 127.0.0.1, or 0.0.0.0 for all of them',
    );
  }
}
