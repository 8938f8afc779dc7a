import { lchown, lstat, mkdir, rmdir, symlink, unlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { ReadEntry } from 'tar';

// The symlinks of an archive from a task, as `docker cp` copies them: each with its target exactly
// as the archive has it, absolute ones too (node-tar would make `/etc/x` the relative `etc/x`,
// which points elsewhere). They are held back while node-tar unpacks the other entries, then made
// last: no entry is ever written through one (an entry under a symlink the archive made is refused,
// as node-tar refuses it), and making one never follows a target, nor a symlink already here on
// the way to it. A target may point anywhere: a link is only a name until someone opens it.

/** A symlink held back: its target, and the owner the archive names. */
interface HeldLink {
  target: string;
  uid: number | undefined;
  gid: number | undefined;
}

/**
 * An entry's path in the destination as node-tar takes it (`/` stripped, `.` parts gone); null for
 * one node-tar refuses (any `..`) or that names the destination itself.
 */
function inside(path: string): string | null {
  const relative = path.replace(/^\/+/, '');
  if (relative.split('/').includes('..')) return null;
  const p = posix.normalize(relative).replace(/\/+$/, '');
  return p === '' || p === '.' ? null : p;
}

export class HeldLinks {
  readonly #links = new Map<string, HeldLink>();

  constructor(private readonly warn: (line: string) => void) {}

  /**
   * node-tar's `filter`, called with each entry in order: false for a symlink (held here) and for
   * an entry under a symlink the archive made; an entry at a held symlink's own path replaces it
   * (the later entry wins, as tar has it).
   */
  readonly filter = (path: string, entry: unknown): boolean => {
    const e = entry as Pick<ReadEntry, 'type' | 'linkpath' | 'uid' | 'gid'>;
    const p = inside(path);
    if (p === null) {
      if (e.type !== 'SymbolicLink') return true; // node-tar refuses it, and says so
      this.warn(`${path}: not made: a symlink's own path must stay in the destination`);
      return false;
    }
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const above = parts.slice(0, i).join('/');
      if (this.#links.has(above)) {
        this.warn(`${path}: not written: it is under the symlink ${above}, which is never written through`);
        return false;
      }
    }
    this.#links.delete(p);
    if (e.type !== 'SymbolicLink') return true;
    this.#links.set(p, { target: String(e.linkpath ?? ''), uid: e.uid, gid: e.gid });
    return false;
  };

  /** Makes each held symlink in `dir`, owned as the archive says with `keepOwners`; warns of one it cannot make. */
  async make(dir: string, keepOwners: boolean): Promise<void> {
    for (const [path, link] of this.#links) {
      if (link.target === '') {
        this.warn(`${path}: not made: the archive gives the symlink no target`);
        continue;
      }
      const file = join(dir, path);
      try {
        if (!(await this.#parent(dir, path)) || !(await this.#clear(file, path))) continue;
        await symlink(link.target, file);
        if (keepOwners && link.uid !== undefined && link.gid !== undefined) await lchown(file, link.uid, link.gid);
      } catch (err) {
        this.warn(`${path}: not made: ${(err as Error).message}`);
      }
    }
  }

  /** The symlink's directory, made where missing; false (warned) when a part of it is no directory here. */
  async #parent(dir: string, path: string): Promise<boolean> {
    let at = dir;
    for (const part of path.split('/').slice(0, -1)) {
      at = join(at, part);
      const st = await lstat(at).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      if (st === null) await mkdir(at);
      else if (!st.isDirectory()) {
        // lstat: a symlink here is not followed, whatever it points to
        this.warn(`${path}: not made: ${part} on its way is not a directory here`);
        return false;
      }
    }
    return true;
  }

  /** Room for the symlink: a file or symlink there goes, as tar replaces it; a directory only when empty. */
  async #clear(file: string, path: string): Promise<boolean> {
    const st = await lstat(file).catch(() => null);
    if (st === null) return true;
    if (!st.isDirectory()) {
      await unlink(file);
      return true;
    }
    try {
      await rmdir(file);
      return true;
    } catch {
      this.warn(`${path}: not made: a directory that is not empty is there`);
      return false;
    }
  }
}
