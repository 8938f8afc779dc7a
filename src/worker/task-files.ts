import { chown, chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { TaskFilesReply } from '../api/index.js';
import type { FileBind } from '../driver/index.js';
import { PoseidonError } from '../errors/index.js';
import type { TaskRequest } from '../task/index.js';

/** Asks the manager for the values of what a task placed here mounts (POST /nodes/{id}/task-files). */
export type TaskFilesSource = (taskId: string, generation: number) => Promise<TaskFilesReply>;

export interface TaskFilesDeps {
  /**
   * Where the files are written: a directory of its own on a memory file system (/dev/shm), 0700,
   * so a secret is never on disk; one directory per task and generation below it.
   */
  root: string;
  /** Absent: a worker with no manager to ask (polled with `--workers`); a task with files fails. */
  source: TaskFilesSource | undefined;
  log: Logger;
}

/** A task's secrets or configs could not be had: the task fails with this reason (its policy may restart it). */
export class TaskFilesUnavailable extends PoseidonError {
  constructor(why: string) {
    super('container_start_failed', `its secrets and configs could not be had: ${why}`);
  }
}

/**
 * The files of tasks' secrets and configs on this host. Before a container is made, the values
 * come from the manager (only for a task placed here, under its placement's generation) and are
 * written with the owner and mode the task asked for; the container binds each read-only. They
 * are never in the worker's store; they go with the task's record (or when a newer generation
 * runs), and a worker that starts sweeps what no task it holds needs.
 */
export class TaskFiles {
  constructor(private readonly deps: Readonly<TaskFilesDeps>) {}

  /** Writes the task's files; the binds its container needs ([] when it mounts none). */
  async prepare(request: TaskRequest, generation: number): Promise<FileBind[]> {
    const files = request.files ?? [];
    if (files.length === 0) return [];
    const { source, log } = this.deps;
    if (source === undefined)
      throw new TaskFilesUnavailable('this worker has no manager to ask (started without --manager)');
    let reply: TaskFilesReply;
    try {
      reply = await source(request.id, generation);
    } catch (err) {
      throw new TaskFilesUnavailable(err instanceof Error ? err.message : String(err));
    }
    const values = new Map(reply.files.map((f) => [`${f.kind}/${f.name}`, Buffer.from(f.data, 'base64')]));
    const dir = this.#dir(request.id, generation);
    await mkdir(this.deps.root, { recursive: true, mode: 0o700 });
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { mode: 0o700 });
    const binds: FileBind[] = [];
    for (const [i, f] of files.entries()) {
      const value = values.get(`${f.kind}/${f.source}`);
      if (value === undefined) throw new TaskFilesUnavailable(`the manager sent no ${f.kind} ${f.source}`);
      const path = join(dir, String(i));
      await writeFile(path, value, { mode: 0o600 });
      await this.#own(path, f.uid, f.gid);
      await chmod(path, f.mode);
      binds.push({ source: path, target: f.target });
    }
    log.debug({ taskId: request.id, generation, files: binds.length }, 'task files written');
    return binds;
  }

  /** Removes the task's files: of every generation, or of those before `keep`. */
  async release(taskId: string, keep?: number): Promise<void> {
    for (const name of await this.#names()) {
      const [id, gen] = name.split('.');
      if (id !== taskId || (keep !== undefined && Number(gen) >= keep)) continue;
      await rm(join(this.deps.root, name), { recursive: true, force: true });
    }
  }

  /** Removes the files of every task but these (a worker that starts: what it forgot while down). */
  async sweep(held: ReadonlySet<string>): Promise<void> {
    for (const name of await this.#names()) {
      if (held.has(name.split('.')[0] ?? '')) continue;
      await rm(join(this.deps.root, name), { recursive: true, force: true });
    }
  }

  #dir(taskId: string, generation: number): string {
    return join(this.deps.root, `${taskId}.${generation}`);
  }

  async #names(): Promise<string[]> {
    try {
      return await readdir(this.deps.root);
    } catch {
      return []; // none written yet
    }
  }

  /** The owner the task asked for; a worker that is not root can give its files only to itself. */
  async #own(path: string, uid: number, gid: number): Promise<void> {
    const self = process.getuid?.() ?? 0;
    if (self !== 0 && uid === 0 && gid === 0) return; // the default: the worker's own user
    try {
      await chown(path, uid, gid);
    } catch (err) {
      throw new TaskFilesUnavailable(
        `cannot give ${path} to uid ${uid} gid ${gid} (${(err as NodeJS.ErrnoException).code ?? String(err)}); ` +
          'run the worker as root, or leave uid and gid out',
      );
    }
  }
}
