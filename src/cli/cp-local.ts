import { lstat, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { create, extract } from 'tar';
import { InvalidField } from '../errors/index.js';
import { HeldLinks } from './cp-links.js';
import { meansContents, type Found, type OutPlan } from './cp-plan.js';

// `poseidon cp`'s local end, with node-tar (npm's own tar): archives made of local files, and
// archives from a task unpacked here. Unpacking is node-tar's safe way: no entry lands outside the
// directory it is unpacked in (absolute paths and `..` are stripped or refused, and no entry is
// written through a symlink), and files are owned by whoever runs the command (as `docker cp`
// leaves them), not by the uid the container had. Symlinks keep their targets as they are, as
// with `docker cp` (cp-links.ts).

/** What is at a local path, following a last symlink (as `docker cp` does for its destination). */
export async function foundAt(path: string): Promise<Found> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
}

/** `source` as it passes, its bytes counted; its error ends the count with the same error. */
export function counted(source: Readable): Readable & { bytes: number } {
  const count = Object.assign(
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        count.bytes += chunk.length;
        done(null, chunk);
      },
    }),
    { bytes: 0 },
  );
  source.once('error', (err) => count.destroy(err));
  return source.pipe(count);
}

/**
 * Unpacks `archive` as `plan` says; warnings (an entry refused as unsafe) go to `warn`. The files
 * are owned by whoever runs this, or as the archive names them with `keepOwners` (root only).
 */
export async function unpack(
  archive: Readable,
  plan: OutPlan,
  warn: (line: string) => void,
  keepOwners = false,
): Promise<void> {
  if (plan.kind === 'into') {
    await unpackIn(plan.dir, archive, warn, keepOwners);
    return;
  }
  const parent = dirname(plan.target);
  const found = await foundAt(parent);
  if (found === 'missing')
    throw new InvalidField(plan.target, `cannot be made here: ${parent} is not there; make it first`);
  if (found !== 'directory') throw new InvalidField(plan.target, `cannot be made here: ${parent} is not a directory`);
  // unpacked beside the target, then moved in one rename: a target is never left half written
  const scratch = await mkdtemp(join(parent, '.poseidon-cp-'));
  try {
    await unpackIn(scratch, archive, warn, keepOwners);
    const top = plan.entry === null ? scratch : join(scratch, plan.entry);
    // lstat: a symlink copied as a link may point at nothing here
    if (
      plan.entry !== null &&
      !(await lstat(top).then(
        () => true,
        () => false,
      ))
    )
      throw new InvalidField(plan.target, `was not made: the archive from the task held no ${plan.entry}`);
    await rename(top, plan.target);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** node-tar unpacks all but the symlinks, which are made after (cp-links.ts), their targets as they are. */
async function unpackIn(dir: string, archive: Readable, warn: (line: string) => void, keepOwners: boolean) {
  const links = new HeldLinks(warn);
  const unpacker = extract({
    cwd: dir,
    preserveOwner: keepOwners,
    strict: false,
    filter: links.filter,
    onwarn: (_code: string, message: string | Error) => warn(typeof message === 'string' ? message : message.message),
  });
  // node-tar's Unpack ends inside pipeline()'s own call when the archive is all buffered already and
  // none of its entries takes I/O (one symlink, held): pipeline misses that finish and calls the
  // close that follows premature. Through a PassThrough the archive arrives a tick later.
  await pipeline(archive, new PassThrough(), unpacker);
  await links.make(dir, keepOwners);
}

/**
 * An archive of a local path: its top entry named as the path's last part, or `rename`; for
 * `dir/.`, the directory's contents (under `rename` when given). Symlinks are archived as links
 * (`follow` archives what they point to). Entries name root as their owner, which the engine
 * keeps (files copied into a task are root's, as with `docker cp`), unless `keepOwners` (`-a`):
 * then the local uid and gid.
 */
export function pack(path: string, options: { rename?: string; follow?: boolean; keepOwners?: boolean }): Readable {
  const contents = meansContents(path);
  const cwd = contents ? path : dirname(path);
  const top = contents ? '.' : basename(path);
  const { rename, keepOwners = false } = options;
  return create(
    {
      cwd,
      follow: options.follow === true,
      // called with each entry just before its header is made: what it changes is what is written
      onWriteEntry: (entry: { path: string; stat?: { uid: number; gid: number } | undefined }) => {
        if (rename !== undefined) entry.path = renamed(entry.path, top, rename);
        if (!keepOwners && entry.stat !== undefined) {
          entry.stat.uid = 0;
          entry.stat.gid = 0;
        }
      },
    },
    [top],
  ) as unknown as Readable;
}

/** An entry's path with the archive's top entry `top` (`.` for a directory's contents) named `name` instead. */
export function renamed(path: string, top: string, name: string): string {
  if (path === top) return name;
  const prefix = top === '.' ? './' : `${top}/`;
  return path.startsWith(prefix) ? `${name}/${path.slice(prefix.length)}` : path;
}
