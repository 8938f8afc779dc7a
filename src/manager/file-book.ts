import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { CreateFileRequest, FileView, TaskFilesReply } from '../api/index.js';
import { fieldPath, InvalidField, TaskNotFound } from '../errors/index.js';
import type { FileKind } from '../task/index.js';
import { FILE_KEY, type ClusterState } from './cluster-state.js';
import { FileExists, FileInUse, FileNotFound, NotThisNode } from './errors.js';
import { open, seal } from './file-seal.js';
import type { FileRecord } from './records.js';
import { isUnfinished } from './volume-book.js';

/**
 * Secrets and configs: created once, never changed, removed only while nothing mounts them. A
 * secret's value is sealed in the store (file-seal.ts) and leaves the manager only for a worker
 * that runs a task mounting it, under that task's current placement; a config's is shown to
 * anyone who may read.
 */
export class FileBook {
  readonly #key: Buffer;

  constructor(private readonly deps: { state: ClusterState; log: Logger; key?: Buffer }) {
    // a manager without the cluster CA (unit tests) seals under a key of its own, for its lifetime
    this.#key = deps.key ?? randomBytes(32);
  }

  /** Creates a secret or config; the same name and value again answers the one there (`created` false). */
  async create(kind: FileKind, req: CreateFileRequest): Promise<{ view: FileView; created: boolean }> {
    const { state, log } = this.deps;
    const value = Buffer.from(req.data, 'base64');
    // as Swarm: an empty secret is most often a variable that was not set (printf %s "$UNSET" | ...)
    if (kind === 'secret' && value.length === 0)
      throw new InvalidField('data', 'is empty: a secret needs a value (was the variable that gave it unset?)');
    const known = state.files.get(FILE_KEY({ kind, name: req.name }));
    if (known !== undefined) {
      const same = this.#value(known)?.equals(value) === true;
      if (!same) throw new FileExists(kind, req.name);
      return { view: this.#view(known, this.#users()), created: false };
    }
    const rec: FileRecord = {
      kind,
      name: req.name,
      createdAt: state.isoNow(),
      labels: req.labels ?? {},
      size: value.length,
      value: kind === 'secret' ? seal(this.#key, req.name, value) : value.toString('base64'),
    };
    await state.saveFile(rec);
    state.events.publish({ time: rec.createdAt, type: `${kind}.created`, file: req.name });
    log.info({ kind, name: req.name, size: rec.size }, `${kind} created`);
    return { view: this.#view(rec, this.#users()), created: true };
  }

  list(kind: FileKind): FileView[] {
    const users = this.#users();
    return [...this.deps.state.files.values()]
      .filter((f) => f.kind === kind)
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((f) => this.#view(f, users));
  }

  /** One secret or config; a config with its value. */
  get(kind: FileKind, name: string): FileView {
    const rec = this.#record(kind, name);
    const view = this.#view(rec, this.#users());
    return kind === 'config' ? { ...view, data: rec.value } : view;
  }

  /** Removes one: refused while a service, or a task that may still start (not stopped, not finished), mounts it. */
  async remove(kind: FileKind, name: string): Promise<FileView> {
    const rec = this.#record(kind, name);
    const view = this.#view(rec, this.#users());
    if (view.inUseBy.length > 0)
      throw new FileInUse(
        kind,
        name,
        view.inUseBy.map((who) => this.#named(who)),
      );
    await this.deps.state.deleteFile(rec);
    this.deps.state.events.publish({ time: this.deps.state.isoNow(), type: `${kind}.removed`, file: name });
    this.deps.log.info({ kind, name }, `${kind} removed`);
    return view;
  }

  /**
   * Every secret and config the request mounts exists; else an InvalidField naming the first
   * missing one (`field` prefixes it: `task` for a service's template).
   */
  checkRefs(refs: ReadonlyArray<{ kind: FileKind; source: string }> | undefined, field = ''): void {
    const counts: Record<FileKind, number> = { secret: 0, config: 0 };
    for (const f of refs ?? []) {
      const i = counts[f.kind]++;
      if (this.deps.state.files.has(FILE_KEY({ kind: f.kind, name: f.source }))) continue;
      const at = fieldPath(field, `${f.kind}s`, i, 'source');
      throw new InvalidField(
        at,
        `names no ${f.kind}: create it first with \`poseidon ${f.kind} create ${f.source} FILE\``,
      );
    }
  }

  /**
   * The values a task mounts, for the worker that runs it: only the node the task is placed on,
   * under its current generation, gets them.
   */
  valuesFor(nodeId: string, taskId: string, generation: number): TaskFilesReply {
    const rec = this.deps.state.task(taskId);
    if (rec === undefined) throw new TaskNotFound(taskId);
    if (rec.nodeId !== nodeId || rec.generation !== generation)
      throw new NotThisNode(nodeId, `task ${taskId} generation ${generation} is not placed on it`);
    const files: TaskFilesReply['files'] = [];
    const sent = new Set<string>();
    for (const f of rec.request.files ?? []) {
      const key = FILE_KEY({ kind: f.kind, name: f.source });
      if (sent.has(key)) continue;
      sent.add(key);
      const known = this.deps.state.files.get(key);
      const value = known === undefined ? null : this.#value(known);
      if (value === null) throw new FileNotFound(f.kind, f.source);
      files.push({ kind: f.kind, name: f.source, data: value.toString('base64') });
    }
    this.deps.log.info({ nodeId, taskId, files: files.length }, 'task files sent to its node');
    return { files };
  }

  /** A user for people: `task web-1 (4b8511d8)` for a task's id, `service web` for a service's name. */
  #named(who: string): { who: string; service: boolean } {
    const task = this.deps.state.task(who);
    return task === undefined
      ? { who: `service ${who}`, service: true }
      : { who: `task ${task.request.name} (${who.slice(0, 8)})`, service: false };
  }

  #record(kind: FileKind, name: string): FileRecord {
    const rec = this.deps.state.files.get(FILE_KEY({ kind, name }));
    if (rec === undefined) throw new FileNotFound(kind, name);
    return rec;
  }

  /** The value; null for a secret that does not open (sealed under another cluster's CA). */
  #value(rec: FileRecord): Buffer | null {
    if (rec.kind === 'config') return Buffer.from(rec.value, 'base64');
    const value = open(this.#key, rec.name, rec.value);
    if (value === null) this.deps.log.error({ name: rec.name }, 'secret does not open under this cluster CA');
    return value;
  }

  #view(rec: FileRecord, users: Map<string, string[]>): FileView {
    return {
      name: rec.name,
      kind: rec.kind,
      size: rec.size,
      labels: rec.labels,
      createdAt: rec.createdAt,
      inUseBy: users.get(FILE_KEY(rec)) ?? [],
    };
  }

  /** FILE_KEY -> the tasks that may still start (by id) and the services (by name) that mount it. */
  #users(): Map<string, string[]> {
    const users = new Map<string, string[]>();
    const add = (key: string, who: string): void => {
      const list = users.get(key);
      if (list === undefined) users.set(key, [who]);
      else if (!list.includes(who)) list.push(who);
    };
    const { state } = this.deps;
    // a service's previous version too: a rollback goes back to what it mounted
    for (const svc of state.services.values())
      for (const task of [svc.spec.task, svc.previous?.spec.task])
        for (const f of task === undefined ? [] : templateRefs(task))
          add(FILE_KEY({ kind: f.kind, name: f.source }), svc.name);
    // a task being stopped has its files, and will not start again: it needs the values no more;
    // a replica of a service already named is not named again
    for (const rec of state.tasks.values()) {
      if (rec.request.files === undefined || rec.desired !== 'running' || !isUnfinished(rec)) continue;
      const service = rec.service?.service;
      for (const f of rec.request.files) {
        const key = FILE_KEY({ kind: f.kind, name: f.source });
        if (service === undefined || users.get(key)?.includes(service) !== true) add(key, rec.request.id);
      }
    }
    return users;
  }
}

/** What a service's template mounts, as checkRefs takes it. */
export function templateRefs(task: {
  secrets?: ReadonlyArray<{ source: string }>;
  configs?: ReadonlyArray<{ source: string }>;
}): Array<{ kind: FileKind; source: string }> {
  return [
    ...(task.secrets ?? []).map((s) => ({ kind: 'secret' as const, source: s.source })),
    ...(task.configs ?? []).map((c) => ({ kind: 'config' as const, source: c.source })),
  ];
}
