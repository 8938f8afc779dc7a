import { chown, chmod, mkdir, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { TaskFilesReply } from '../api/index.js';
import type { FileBind } from '../driver/index.js';
import { isRetryable, PoseidonError } from '../errors/index.js';
import { fsFault } from '../files/index.js';
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
  /** Between two asks of a manager away for a moment; ASK_PAUSE_MS unless a test sets it. */
  retryPauseMs?: number;
}

/** A manager that is away is asked this many times in all, ASK_PAUSE_MS apart (a group elects within 5 s). */
const ASK_ATTEMPTS = 4;
const ASK_PAUSE_MS = 2_000;

/** Where the worker of `nodeId` writes its tasks' files on a host with /dev/shm (memory, never the disk). */
export function shmFilesRoot(nodeId: string): string {
  return join('/dev/shm', `poseidon-${nodeId}`);
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
    const reply = await this.#ask(source, request.id, generation);
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

  /**
   * The worker stops: its directory goes when no task's files are left in it (the tasks that
   * still run keep theirs, and it, until the next start sweeps them).
   */
  async close(): Promise<void> {
    await rmdir(this.deps.root).catch(() => undefined); // not empty, or never made
  }

  /**
   * The manager's answer. A manager away for a moment (restarting, a group electing its leader:
   * a temporary failure) is asked again, a few times, before the start fails for it.
   */
  async #ask(source: TaskFilesSource, taskId: string, generation: number): Promise<TaskFilesReply> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await source(taskId, generation);
      } catch (err) {
        if (attempt < ASK_ATTEMPTS && isRetryable(err)) {
          await sleep(this.deps.retryPauseMs ?? ASK_PAUSE_MS);
          continue;
        }
        throw new TaskFilesUnavailable(err instanceof Error ? err.message : String(err));
      }
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
        `cannot give ${path} to uid ${uid} gid ${gid} (${fsFault(err)}); ` +
          'run the worker as root, or leave uid and gid out',
      );
    }
  }
}
