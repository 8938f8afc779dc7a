import { InvalidField } from '../errors/index.js';
import { fsProblem } from '../files/index.js';
import { dataDir } from '../store/private-dir.js';

// The two places a `manager`, `worker` or `dev` takes as it starts, its data dir and the address
// it listens on, refused in one line naming the flag (or, from a config file, its key) rather than
// with Node's stack: `--data-dir` naming a file, `--host` naming a host no resolver knows.

/**
 * Makes the data dir (0700, missing parents too; see private-dir.ts), or says why it cannot be
 * one: `--data-dir is "/srv/poseidon.tgz", a file, not a directory; give a directory`.
 */
export function makeDataDir(path: string): void {
  try {
    dataDir(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'EEXIST')
      throw new InvalidField('--data-dir', `is "${path}", a file, not a directory; give a directory`);
    throw new InvalidField('--data-dir', `is "${path}", which cannot be made a directory: ${fsProblem(err)}`);
  }
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
