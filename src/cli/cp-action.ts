import { lstat, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PathStatView } from '../api/index.js';
import type { ManagerClient } from '../client/index.js';
import { InvalidField, RemoteError } from '../errors/index.js';
import { fsProblem, isFsError } from '../files/index.js';
import { formatBytes } from '../units/index.js';
import { copyArgs, planCopyIn, planCopyOut, type Found } from './cp-plan.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { serviceHint, someOf } from './service-hint.js';
import { streamError } from './stream-end.js';
import { printable } from './terminal-text.js';

// `poseidon cp SRC DEST`: files between this machine and a task's container, wherever it runs, as
// `docker cp` copies them: `TASK:PATH` names the task's end, `-` a tar stream on stdin or stdout.

export type CpFlags = ClientFlags & { followLink?: boolean; archive?: boolean; quiet?: boolean };

/** One copy: the task's end, the local end, and how. */
interface Copy {
  client: ManagerClient;
  task: string;
  /** The path in the task. */
  path: string;
  /** The local path, or `-`. */
  local: string;
  /** -L: what a symlink at the source points to. */
  follow: boolean;
  /** -a: owners (uid and gid) as the source has them, not root in the task nor the copier here. */
  keepOwners: boolean;
  signal: AbortSignal;
}

/** How many symlinks `-L` follows in a row before it gives up (a loop). */
const MAX_LINKS = 16;

export async function runCp(src: string, dest: string, flags: CpFlags): Promise<void> {
  const args = copyArgs(src, dest);
  const client = managerClient(flags);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  try {
    const copy: Copy = {
      client,
      task: args.task,
      path: args.path,
      local: args.local,
      follow: flags.followLink === true,
      keepOwners: flags.archive === true,
      signal: abort.signal,
    };
    const bytes = args.direction === 'out' ? await copyOut(copy) : await copyIn(copy);
    const where = args.direction === 'out' ? args.local : `${args.task}:${args.path}`;
    if (flags.quiet !== true && args.local !== '-')
      process.stderr.write(`copied ${formatBytes(bytes)} to ${printable(where)}\n`);
  } catch (err) {
    if (abort.signal.aborted) {
      process.stderr.write('poseidon: interrupted; what was copied so far stays\n');
      process.exitCode = 130;
      return;
    }
    // a file here that cannot be read (in) or written (out): in words, not Node's stack. Out names
    // the destination: the error is of the temporary directory made beside it, or of a rename there
    if (isFsError(err)) throw new InvalidField(`${args.direction === 'in' ? err.path : args.local}:`, fsProblem(err));
    throw await serviceHint(client, args.task, err, cpAdvice);
  }
}

/** What to copy from when a service was named: one of its replicas. */
function cpAdvice(service: string, replicas: readonly string[]): string {
  if (replicas.length === 0) return `it has no replicas to copy files from or to (poseidon service ps ${service})`;
  return `files are in each of its replicas, ${someOf(replicas)} (poseidon cp ${replicas[0]}:PATH .)`;
}

/** The stat of a path in the task, or undefined when it is not there. */
async function statInTask(client: ManagerClient, task: string, path: string): Promise<PathStatView | undefined> {
  try {
    return await client.statPath(task, path);
  } catch (err) {
    if (err instanceof RemoteError && err.code === 'path_not_found') return undefined;
    throw err;
  }
}

async function copyOut({ client, task, path, local, follow, keepOwners, signal }: Copy): Promise<number> {
  let source = path;
  let found = await statInTask(client, task, source);
  for (let hops = 0; follow && found?.kind === 'symlink' && found.linkTarget !== undefined; hops++) {
    if (hops === MAX_LINKS) throw new InvalidField(path, `leads through more than ${MAX_LINKS} symlinks in the task`);
    source = posix.resolve(posix.dirname(source), found.linkTarget);
    found = await statInTask(client, task, source);
  }
  if (found === undefined) throw new InvalidField(`${task}:${source}`, 'is not there: no such file or directory');
  const { counted, foundAt, unpack } = await import('./cp-local.js');
  const archive = counted(await client.getArchive(task, source, signal));
  // cut off before it is read (while the destination is looked at): its reader still sees it
  // (archive.errored), and it is no uncaught error meanwhile
  archive.on('error', () => undefined);
  try {
    if (local === '-') {
      await pipeline(archive, process.stdout);
      return archive.bytes;
    }
    const plan = planCopyOut(
      { path: source, directory: found.kind === 'directory', name: found.name },
      local,
      await foundAt(local),
    );
    const warn = (line: string): void => void process.stderr.write(`poseidon: ${printable(line)}\n`);
    // owners as the task has them can be set only by root, as for tar -p
    const asRoot = process.getuid?.() === 0;
    if (keepOwners && !asRoot) warn('-a keeps owners only when run as root: the files are yours');
    await unpack(archive, plan, warn, keepOwners && asRoot);
    return archive.bytes;
  } catch (err) {
    // the archive was cut off (the manager or the task's worker stopped, the network failed): one
    // line, not the socket's stack; a failure here (a file that cannot be written) stays itself
    const cut = archive.errored;
    throw cut === null ? err : streamError(cut, 'the copy', 'run poseidon cp again');
  }
}

async function copyIn({ client, task, path, local, follow, keepOwners, signal }: Copy): Promise<number> {
  // the stat also finds the leader of a group: the upload goes there once, never again elsewhere
  const there = await statInTask(client, task, path);
  const found: Found = there === undefined ? 'missing' : there.kind === 'directory' ? 'directory' : 'other';
  const { counted, pack } = await import('./cp-local.js');
  if (local === '-') {
    if (found !== 'directory')
      throw new InvalidField(`${task}:${path}`, 'must be a directory in the task to unpack a tar stream from stdin in');
    const stdin = counted(process.stdin as Readable);
    await client.putArchive(task, path, stdin, signal);
    return stdin.bytes;
  }
  const directory = await localKind(local, follow);
  const plan = planCopyIn({ path: local, directory }, path, found);
  const archive = counted(
    pack(local, { follow, keepOwners, ...(plan.rename === undefined ? {} : { rename: plan.rename }) }),
  );
  try {
    await client.putArchive(task, plan.dir, archive, signal);
  } catch (err) {
    if (err instanceof RemoteError && err.code === 'path_not_found')
      throw new InvalidField(`${task}:${plan.dir}`, 'is not there: make the directory first');
    throw err;
  }
  return archive.bytes;
}

/** Whether a local source is a directory; InvalidField naming it when it is not there. */
async function localKind(path: string, follow: boolean): Promise<boolean> {
  try {
    return (await (follow ? stat(path) : lstat(path))).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new InvalidField(path, 'is not there: no such file or directory');
    throw err;
  }
}
