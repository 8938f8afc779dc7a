import { posix } from 'node:path';
import { InvalidField } from '../errors/index.js';

// `poseidon cp`: which side is the task's, and what goes where, by `docker cp`'s rules. Nothing
// here touches a file or the manager: the action (cp-action.ts) stats both ends and asks.

/** One end of a copy: a task's path (`TASK:PATH`), a local path, or `-` (a tar stream). */
export type CopyEnd = { task: string; path: string } | { local: string };

/** `web.1:/etc/nginx` is a task's path; `./a:b`, `/a:b` and `a/b:c` are local (docker cp's rule). */
export function copyEnd(arg: string): CopyEnd {
  const colon = arg.indexOf(':');
  const slash = arg.indexOf('/');
  if (colon <= 0 || (slash >= 0 && slash < colon)) return { local: arg };
  const task = arg.slice(0, colon);
  const path = arg.slice(colon + 1);
  if (path === '') throw new InvalidField(arg, 'names no path in the task: give TASK:PATH (TASK:/ for its root)');
  if (path.includes('\0')) throw new InvalidField(arg, 'holds a NUL character');
  // a relative path is from the container's root, as docker cp takes it
  return { task, path: path.startsWith('/') ? path : `/${path}` };
}

/** The two ends, one of them a task's. */
export type CopyArgs =
  | { direction: 'out'; task: string; path: string; local: string }
  | { direction: 'in'; task: string; path: string; local: string };

export function copyArgs(src: string, dest: string): CopyArgs {
  const from = copyEnd(src);
  const to = copyEnd(dest);
  if ('task' in from && 'task' in to)
    throw new InvalidField('DEST', 'is a task path too: one end of a copy is a task (TASK:PATH), the other local');
  if ('task' in from)
    return { direction: 'out', task: from.task, path: from.path, local: (to as { local: string }).local };
  if ('task' in to) return { direction: 'in', task: to.task, path: to.path, local: from.local };
  throw new InvalidField('SRC', 'and DEST are both local: one of them must be a task path (TASK:PATH)');
}

/** What is at a path: nothing, a directory, or anything else (a file, a symlink not followed, a device). */
export type Found = 'missing' | 'directory' | 'other';

/** `dir/.`: the directory's contents, not the directory. */
export function meansContents(path: string): boolean {
  return path === '.' || path.endsWith('/.');
}

function endsWithSlash(path: string): boolean {
  return path.endsWith('/') || meansContents(path);
}

/**
 * Copying out, where the archive goes once it is here:
 * - `into`: unpacked in the directory `dir` (its top entry, the source's name, lands there);
 * - `as`: unpacked in a new directory beside `target`, then its top entry (`entry`; for a
 *   directory's contents, the new directory itself) renamed to `target`.
 */
export type OutPlan = { kind: 'into'; dir: string } | { kind: 'as'; target: string; entry: string | null };

export function planCopyOut(
  source: { path: string; directory: boolean; name: string },
  dest: string,
  found: Found,
): OutPlan {
  if (!source.directory && source.path.endsWith('/'))
    throw new InvalidField(source.path, 'is not a directory in the task (leave out the trailing /)');
  if (found === 'directory') return { kind: 'into', dir: dest };
  if (found === 'other' && source.directory)
    throw new InvalidField(dest, 'is a file here; a directory cannot be copied onto a file');
  if (found === 'missing' && !source.directory && endsWithSlash(dest))
    throw new InvalidField(dest, 'is not a directory here; make it first, or leave out the trailing /');
  return { kind: 'as', target: dest, entry: meansContents(source.path) ? null : source.name };
}

/**
 * Copying in: the directory of the container the archive is unpacked in (`dir`), and the name its
 * top entry takes there (`rename`, absent to keep the source's own: a directory's contents keep theirs).
 */
export interface InPlan {
  dir: string;
  rename?: string;
}

export function planCopyIn(source: { path: string; directory: boolean }, dest: string, found: Found): InPlan {
  if (!source.directory && source.path.endsWith('/'))
    throw new InvalidField(source.path, 'is not a directory (leave out the trailing /)');
  if (found === 'directory') return { dir: dest };
  if (found === 'other' && source.directory)
    throw new InvalidField(dest, 'is a file in the task; a directory cannot be copied onto a file');
  if (found === 'missing' && endsWithSlash(dest) && !source.directory)
    throw new InvalidField(dest, 'is not a directory in the task; make it first, or leave out the trailing /');
  const trimmed = dest.replace(/\/+$/, '');
  const name = posix.basename(trimmed);
  if (name === '' || name === '.' || name === '..') throw new InvalidField(dest, 'names no file to copy to');
  return { dir: posix.dirname(trimmed), rename: name };
}
