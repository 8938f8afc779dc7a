// Node's file system errors in words a person acts on. `(ENOENT)`, or `ENOENT: no such file or
// directory, open 'x.yaml'`, tells a programmer what happened; a user reads "no such file or
// directory; check the path". One place for every message about a file the CLI, a worker or a
// Compose file names (--ca, --config, task and Compose files, secrets, cp's local end...).

/** What went wrong, and what to do about it, for each code a person meets. */
const PROBLEMS: Readonly<Record<string, readonly [fault: string, todo: string]>> = {
  ENOENT: ['no such file or directory', 'check the path'],
  EACCES: ['permission denied', 'run as a user who may use it, or change its permissions (chmod)'],
  EPERM: ['operation not permitted', 'run as a user who may use it, or change its owner (chown)'],
  EISDIR: ['it is a directory', 'give a file'],
  ENOTDIR: ['a part of its path is a file, not a directory', 'check the path'],
  ELOOP: ['its symbolic links go round in a loop', 'check the path'],
  ENAMETOOLONG: ['its path is too long', 'give a shorter one'],
  EMFILE: ['too many files are open', 'raise the limit (ulimit -n), or try again'],
  ENFILE: ['too many files are open on this host', 'try again'],
  ENOSPC: ['no space is left on its disk', 'free some space'],
  EROFS: ['its file system is read-only', 'give a place that can be written'],
  EIO: ['an I/O error', 'check its disk'],
};

/** The error's code, when it is one of Node's (`ENOENT`); undefined for anything else. */
function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * What went wrong in a few words, no advice: "no such file or directory", "permission denied".
 * A code it does not know says Node's message, without the code before it or the call after it.
 */
export function fsFault(err: unknown): string {
  const known = PROBLEMS[codeOf(err) ?? ''];
  if (known !== undefined) return known[0];
  const message = err instanceof Error ? err.message : String(err);
  // "EXDEV: cross-device link not permitted, rename 'a' -> 'b'": the words in between
  return message.replace(/^E[A-Z0-9]+: /, '').replace(/, [a-z]+ '.*$/, '');
}

/** What went wrong and what to do, for the end of a line: "no such file or directory; check the path". */
export function fsProblem(err: unknown): string {
  const known = PROBLEMS[codeOf(err) ?? ''];
  return known === undefined ? fsFault(err) : `${known[0]}; ${known[1]}`;
}

/** Node's error about a file: its code and the path it was about (a read, a write, a directory made). */
export function isFsError(err: unknown): err is Error & { code: string; path: string } {
  return err instanceof Error && codeOf(err) !== undefined && typeof (err as { path?: unknown }).path === 'string';
}
