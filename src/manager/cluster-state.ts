import type { Logger } from 'pino';
import type { Clock } from '../clock/index.js';
import { AmbiguousTaskId, AmbiguousTaskName } from './errors.js';
import { TaskNames } from './task-names.js';
import { TaskNotFound } from '../errors/index.js';
import type { Store, StoreOp } from '../store/index.js';
import { isTerminal } from '../task/index.js';
import { KeyedLock } from '../lock/index.js';
import { Changes } from './changes.js';
import { Compactor } from './compact.js';
import { EventBus } from './events.js';
import { recordProblem } from './record-checks.js';
import { restartsAgain } from './restart-policy.js';
import type {
  FileRecord,
  IssuedCerts,
  NodeEntry,
  NodeRecord,
  RevokedNode,
  TaskRecord,
  VolumeRecord,
} from './records.js';
import { withLegacyPin } from './services/legacy-pin.js';
import type { ServiceRecord } from './services/service-record.js';

/**
 * What the manager stores: tasks under `task/`, nodes under `node/`, nodes removed from the
 * cluster (their certificates refused from then on) under `revoked/`, when the certificates issued
 * to each node expire under `issued/`, services under `service/`,
 * named volumes and the node holding each under `volume/`, secrets and configs under `secret/`
 * and `config/`.
 */
export type ManagerRecord =
  | { kind: 'task'; task: TaskRecord }
  | { kind: 'node'; node: NodeRecord }
  | { kind: 'revoked'; revoked: RevokedNode }
  | { kind: 'issued'; issued: IssuedCerts }
  | { kind: 'service'; service: ServiceRecord }
  | { kind: 'volume'; volume: VolumeRecord }
  | { kind: 'secret'; file: FileRecord }
  | { kind: 'config'; file: FileRecord };

/**
 * Tasks are stored in submission order, `task/<submittedAt>/<id>`, not by id alone: LMDB copies
 * every B-tree page a commit changes, and with random ids each write of a busy second landed on
 * a page of its own; in submission order they land on the few pages at the end of the tree, which
 * made a commit two to three times cheaper (and it no longer slows down as the store grows).
 */
const TASK_KEY = (t: TaskRecord): string => `task/${t.submittedAt}/${t.request.id}`;
const NODE_KEY = (id: string): string => `node/${id}`;
const REVOKED_KEY = (id: string): string => `revoked/${id}`;
const ISSUED_KEY = (id: string): string => `issued/${id}`;
const SERVICE_KEY = (name: string): string => `service/${name}`;
const VOLUME_KEY = (name: string): string => `volume/${name}`;
/** A secret's or config's key, in the store and in ClusterState.files: `secret/<name>`, `config/<name>`. */
export const FILE_KEY = (f: Pick<FileRecord, 'kind' | 'name'>): string => `${f.kind}/${f.name}`;

/**
 * Called whenever the latest record of a task changes: written, staged, or put back after a failed
 * write; `rec` is undefined when the task is gone (a submission whose first write failed).
 */
export type RecordListener = (id: string, rec: TaskRecord | undefined) => void;

/** A task whose latest record is not durable yet: what the store holds of it, and the write that will confirm it. */
interface Unconfirmed {
  durable: TaskRecord | undefined;
  /** The commit carrying the latest record; 0 while none does (a submission waiting for its first write). */
  write: number;
}

/**
 * The task and node records, their keys, and the durable writes. Decisions read each task's
 * latest record, which may be on its way to the store; the API shows what is durable. A commit
 * makes a batch of records latest, writes them in one store batch (concurrent commits share an
 * LMDB commit), and publishes their events only once written. When the write fails, every record
 * it carried is put back as it was, so nothing acts on a change that was never saved.
 */
export class ClusterState {
  readonly #tasks = new Map<string, TaskRecord>();
  /** The ids of each name's tasks, kept with #tasks (#setTask, #deleteTask). */
  readonly #names = new TaskNames();
  readonly #unconfirmed = new Map<string, Unconfirmed>();
  /** Known nodes with their liveness (memory only) beside the durable record. */
  readonly nodes = new Map<string, NodeEntry>();
  /** Nodes removed from the cluster, by id: their certificates are refused. */
  readonly revoked = new Map<string, RevokedNode>();
  /** By node id: when the last certificate issued to it expires; change through certIssued. */
  readonly issued = new Map<string, IssuedCerts>();
  readonly #issuing = new KeyedLock();
  /** Services by name, as durable: a service changes here only once its write succeeded. */
  readonly services = new Map<string, ServiceRecord>();
  /** Named volumes by name, each with the node that holds it; change through saveVolume/deleteVolume. */
  readonly volumes = new Map<string, VolumeRecord>();
  /** Secrets and configs by FILE_KEY; change through saveFile/deleteFile. */
  readonly files = new Map<string, FileRecord>();
  /** Task and node events, live (GET /events). */
  readonly events = new EventBus();
  /** Shares what tasks hold alike (images, labels, health, reasons): memory per task. */
  readonly compact = new Compactor();
  #writes = 0;
  #isoCache = { ms: Number.NaN, iso: '' };
  #onRecord: RecordListener = () => {};

  constructor(private readonly deps: { store: Store<ManagerRecord>; clock: Clock; log: Logger }) {}

  /** Sets the one listener that follows every change of a task's latest record. */
  onRecord(fn: RecordListener): void {
    this.#onRecord = fn;
  }

  /**
   * Reads every record; moves tasks stored under their id alone (an older manager's keys) in one
   * batch. A record that is not a task, node or revocation record is set aside with a log line naming its key
   * (the store sets aside what it cannot decode at all): one bad record must not stop the manager.
   */
  async load(): Promise<{ tasks: number; nodes: NodeRecord[] }> {
    this.clear(); // a follower's copy (group/state-copy.ts) gives way to what the store holds now
    const moved: StoreOp<ManagerRecord>[] = [];
    const nodes: NodeRecord[] = [];
    // tasks after every service: a replica's record is read with its service's (withLegacyPin)
    const tasks: Array<[string, Extract<ManagerRecord, { kind: 'task' }>]> = [];
    for (const [key, rec] of await this.deps.store.list('')) {
      const problem = recordProblem(rec);
      if (problem !== null) {
        await this.deps.store.setAside(key);
        this.deps.log.error({ key, problem }, 'stored record cannot be used; set aside');
        continue;
      }
      if (rec.kind === 'node') {
        nodes.push(rec.node);
        continue;
      }
      if (rec.kind === 'revoked') {
        this.revoked.set(rec.revoked.nodeId, rec.revoked);
        continue;
      }
      if (rec.kind === 'issued') {
        this.issued.set(rec.issued.nodeId, rec.issued);
        continue;
      }
      if (rec.kind === 'service') {
        this.services.set(rec.service.name, rec.service);
        continue;
      }
      if (rec.kind === 'volume') {
        this.volumes.set(rec.volume.name, rec.volume);
        continue;
      }
      if (rec.kind === 'secret' || rec.kind === 'config') {
        this.files.set(FILE_KEY(rec.file), rec.file);
        continue;
      }
      tasks.push([key, rec]);
    }
    for (const [key, rec] of tasks) {
      const t = this.#adopt(rec.task);
      this.#setTask(t.request.id, t);
      if (key !== TASK_KEY(t)) moved.push({ kind: 'delete', key }, { kind: 'put', key: TASK_KEY(t), value: rec });
    }
    if (moved.length > 0) {
      await this.deps.store.batch(moved);
      this.deps.log.info({ tasks: moved.length / 2 }, 'task records moved to submission-order keys');
    }
    for (const [id, t] of this.#tasks) this.#onRecord(id, t);
    return { tasks: this.#tasks.size, nodes };
  }

  /** The task's latest record (what decisions read); undefined when there is none. */
  task(id: string): TaskRecord | undefined {
    return this.#tasks.get(id);
  }

  /** Every task's latest record. */
  get tasks(): ReadonlyMap<string, TaskRecord> {
    return this.#tasks;
  }

  /** What the store holds of the task. */
  durable(id: string): TaskRecord | undefined {
    const u = this.#unconfirmed.get(id);
    return u === undefined ? this.#tasks.get(id) : u.durable;
  }

  /**
   * What the API shows of the task: its durable record, so no answer shows a change a failed
   * write would undo; a submission whose first write is on its way shows as it was accepted.
   */
  shown(id: string): TaskRecord | undefined {
    return this.durable(id) ?? this.#tasks.get(id);
  }

  /** Ids of the tasks whose latest record is not durable yet (a write carrying it is on its way). */
  unconfirmed(): IterableIterator<string> {
    return this.#unconfirmed.keys();
  }

  /**
   * The task `ref` names, as `docker` finds a container: its id, else its name (what `poseidon
   * status` shows), else the one task whose id starts with it; latest record. A submission may not
   * take a name a task not ended holds (holderOf), but ended tasks keep theirs, and the replicas of
   * a removed service still stopping share theirs with the new one's: of several tasks of one name,
   * the one not ended; of ended ones only, the last submitted.
   */
  resolve(ref: string): TaskRecord {
    const exact = this.#tasks.get(ref);
    if (exact !== undefined) return exact;
    const named = this.#named(ref);
    if (named !== undefined) return named;
    const prefix = ref.toLowerCase();
    const matches: TaskRecord[] = [];
    if (prefix.length > 0) for (const [id, rec] of this.#tasks) if (id.startsWith(prefix)) matches.push(rec);
    if (matches.length === 0) throw new TaskNotFound(ref, '', this.#names.names());
    if (matches.length > 1)
      throw new AmbiguousTaskId(
        ref,
        matches.map((m) => m.request.id),
      );
    return matches[0] as TaskRecord;
  }

  /**
   * A task of this name that has not ended (the first submitted, of several), which holds the name:
   * a submission under it is refused, as docker refuses a container name in use. Undefined: it is
   * free (no task has it, or those that had it have ended). A look costs the tasks of the name.
   */
  holderOf(name: string): TaskRecord | undefined {
    let holder: TaskRecord | undefined;
    for (const id of this.#names.of(name)) {
      const rec = this.#tasks.get(id);
      if (rec === undefined || isEnded(rec)) continue;
      if (holder === undefined || rec.submittedAt < holder.submittedAt) holder = rec;
    }
    return holder;
  }

  #named(name: string): TaskRecord | undefined {
    const named: TaskRecord[] = [];
    for (const id of this.#names.of(name)) {
      const rec = this.#tasks.get(id);
      if (rec !== undefined) named.push(rec);
    }
    if (named.length <= 1) return named[0];
    const live = named.filter((t) => !isEnded(t));
    if (live.length === 1) return live[0];
    if (live.length > 1)
      throw new AmbiguousTaskName(
        name,
        live.map((t) => t.request.id),
      );
    return named.reduce((a, b) => (b.submittedAt > a.submittedAt ? b : a));
  }

  /** A new submission, latest but not written: the next commit that carries it makes it durable. */
  stage(rec: TaskRecord): void {
    this.#unconfirmed.set(rec.request.id, { durable: undefined, write: 0 });
    this.#setTask(rec.request.id, rec);
    this.#onRecord(rec.request.id, rec);
  }

  /** Drops a staged submission no commit carried (its pass failed before writing): it never existed. */
  drop(id: string): void {
    const u = this.#unconfirmed.get(id);
    if (u === undefined || u.durable !== undefined || u.write !== 0) return;
    this.#unconfirmed.delete(id);
    this.#deleteTask(id);
    this.#onRecord(id, undefined);
  }

  newChanges(): Changes {
    return new Changes();
  }

  /**
   * Makes the records latest, writes them in one batch, and publishes the events once they are
   * durable. When the write fails, each record this commit carried is put back as it was (unless
   * a later commit carries a newer one, which includes this change) and the error is thrown.
   */
  async commit(changes: Changes): Promise<void> {
    if (changes.size === 0) {
      for (const e of changes.events) this.events.publish(e);
      return;
    }
    const write = ++this.#writes;
    const records = [...changes.records.values()];
    for (const rec of records) {
      const id = rec.request.id;
      const u = this.#unconfirmed.get(id);
      if (u === undefined) this.#unconfirmed.set(id, { durable: this.#tasks.get(id), write });
      else u.write = write;
      this.#setTask(id, rec);
      this.#onRecord(id, rec);
    }
    const ops: StoreOp<ManagerRecord>[] = records.map((task) => ({
      kind: 'put',
      key: TASK_KEY(task),
      value: { kind: 'task', task },
    }));
    for (const [name, service] of changes.services)
      ops.push(
        service === null
          ? { kind: 'delete', key: SERVICE_KEY(name) }
          : { kind: 'put', key: SERVICE_KEY(name), value: { kind: 'service', service } },
      );
    try {
      await this.deps.store.batch(ops);
    } catch (err) {
      for (const rec of records) this.#revert(rec.request.id, write);
      throw err;
    }
    for (const rec of records) {
      const u = this.#unconfirmed.get(rec.request.id);
      if (u === undefined) continue;
      if (u.write === write) this.#unconfirmed.delete(rec.request.id);
      else u.durable = rec; // a later commit carries a newer record; this one is what the store holds meanwhile
    }
    for (const [name, service] of changes.services) {
      if (service === null) this.services.delete(name);
      else this.services.set(name, service);
    }
    for (const e of changes.events) this.events.publish(e);
  }

  /**
   * Forgets ended tasks for good (history past its limit) in one write: their records leave the
   * store, then memory. A task that is not ended (active, or to start again) or has a write in
   * flight is kept. Returns the ids forgotten. A report that rewrites one of them meanwhile
   * keeps it in memory; it is forgotten again on a later try.
   */
  async forgetTasks(ids: Iterable<string>): Promise<string[]> {
    const gone: TaskRecord[] = [];
    for (const id of ids) {
      const t = this.#tasks.get(id);
      if (t !== undefined && isEnded(t) && !this.#unconfirmed.has(id)) gone.push(t);
    }
    if (gone.length === 0) return [];
    await this.deps.store.batch(gone.map((t) => ({ kind: 'delete', key: TASK_KEY(t) })));
    const forgotten: string[] = [];
    for (const t of gone) {
      const id = t.request.id;
      if (this.#tasks.get(id) !== t) continue;
      this.#deleteTask(id);
      this.#onRecord(id, undefined);
      forgotten.push(id);
    }
    return forgotten;
  }

  /** Writes a node's record if it changed, then keeps it; liveness stays in memory. */
  async saveNode(record: NodeRecord, entry?: Omit<NodeEntry, 'record'>): Promise<NodeEntry> {
    const known = this.nodes.get(record.id);
    if (known === undefined || JSON.stringify(known.record) !== JSON.stringify(record)) {
      await this.deps.store.put(NODE_KEY(record.id), { kind: 'node', node: record });
    }
    // without `entry`, the node's live side as it is once the write is done (a beat may have come meanwhile)
    const now = this.nodes.get(record.id);
    const live = entry ?? (now === undefined ? undefined : liveSide(now));
    if (live === undefined) throw new RangeError(`node ${record.id} is not known; give its live side`);
    const saved: NodeEntry = { record, ...live };
    this.nodes.set(record.id, saved);
    return saved;
  }

  /**
   * Removes a node for good in one write: its record goes and its revocations are kept (the first
   * for its own id; a static worker's also for the ids its certificates name), so its certificate
   * is refused from the moment this resolves, after a restart too.
   */
  async removeNode(nodeId: string, revoked: readonly RevokedNode[]): Promise<void> {
    await this.deps.store.batch([
      ...revoked.map((r): StoreOp<ManagerRecord> => ({
        kind: 'put',
        key: REVOKED_KEY(r.nodeId),
        value: { kind: 'revoked', revoked: r },
      })),
      { kind: 'delete', key: NODE_KEY(nodeId) },
    ]);
    for (const r of revoked) this.revoked.set(r.nodeId, r);
    this.nodes.delete(nodeId);
  }

  /**
   * Records, durably, that a certificate issued to the node expires at `expiresAtMs`, when that
   * is later than any issued to it before: a removal keeps the node revoked until then, whatever
   * the certificate lifetime is by that time.
   */
  certIssued(nodeId: string, expiresAtMs: number): Promise<void> {
    return this.#issuing.run(nodeId, async () => {
      const known = this.issued.get(nodeId);
      if (known !== undefined && Date.parse(known.expiresAt) >= expiresAtMs) return;
      const issued: IssuedCerts = { nodeId, expiresAt: new Date(expiresAtMs).toISOString() };
      await this.deps.store.put(ISSUED_KEY(nodeId), { kind: 'issued', issued });
      this.issued.set(nodeId, issued);
    });
  }

  /**
   * Drops, in one write, the revocations whose node's certificates have all expired by `nowMs`
   * (an expired certificate is refused anyway), and the records of certificates issued that have
   * all expired; revocations without an expiry are kept. Returns the dropped revocations' node ids.
   */
  async pruneRevoked(nowMs: number): Promise<string[]> {
    const past = (iso: string | undefined): boolean => iso !== undefined && Date.parse(iso) <= nowMs;
    const expired = [...this.revoked.values()].filter((r) => past(r.certsExpireAt)).map((r) => r.nodeId);
    const issued = [...this.issued.values()].filter((r) => past(r.expiresAt)).map((r) => r.nodeId);
    if (expired.length + issued.length === 0) return expired;
    await this.deps.store.batch([
      ...expired.map((id): StoreOp<ManagerRecord> => ({ kind: 'delete', key: REVOKED_KEY(id) })),
      ...issued.map((id): StoreOp<ManagerRecord> => ({ kind: 'delete', key: ISSUED_KEY(id) })),
    ]);
    for (const id of expired) this.revoked.delete(id);
    // none of these is issued another: a renewal needs a valid certificate, and a join takes a new id
    for (const id of issued) this.issued.delete(id);
    return expired;
  }

  /** Records where a named volume lives, durably, then keeps it. */
  async saveVolume(volume: VolumeRecord): Promise<void> {
    await this.deps.store.put(VOLUME_KEY(volume.name), { kind: 'volume', volume });
    this.volumes.set(volume.name, volume);
  }

  /** Forgets named volumes (removed, or on a node that left the cluster) in one write. */
  async deleteVolumes(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await this.deps.store.batch(names.map((name) => ({ kind: 'delete', key: VOLUME_KEY(name) })));
    for (const name of names) this.volumes.delete(name);
  }

  /** Writes a secret or config, durably, then keeps it. */
  async saveFile(file: FileRecord): Promise<void> {
    const value: ManagerRecord = file.kind === 'secret' ? { kind: 'secret', file } : { kind: 'config', file };
    await this.deps.store.put(FILE_KEY(file), value);
    this.files.set(FILE_KEY(file), file);
  }

  /** Removes a secret or config, durably, then forgets it. */
  async deleteFile(file: Pick<FileRecord, 'kind' | 'name'>): Promise<void> {
    await this.deps.store.delete(FILE_KEY(file));
    this.files.delete(FILE_KEY(file));
  }

  /** A node's name for people (a removed node's too); its id when the node is unknown. */
  nodeName(nodeId: string): string {
    // a removed node's tasks (ended there, or stopping as it left) still name it as it was named
    return this.nodes.get(nodeId)?.record.name ?? this.revoked.get(nodeId)?.name ?? nodeId;
  }

  /** Now as ISO 8601; the records changed in one millisecond share the string. */
  isoNow(): string {
    const ms = this.deps.clock.now();
    if (ms !== this.#isoCache.ms) this.#isoCache = { ms, iso: new Date(ms).toISOString() };
    return this.#isoCache.iso;
  }

  /** Forgets every record, as if nothing were stored; nothing is written. */
  clear(): void {
    this.#unconfirmed.clear();
    for (const id of [...this.#tasks.keys()]) {
      this.#deleteTask(id);
      this.#onRecord(id, undefined);
    }
    this.nodes.clear();
    this.revoked.clear();
    this.issued.clear();
    this.services.clear();
    this.volumes.clear();
    this.files.clear();
  }

  /**
   * A follower's copy only (group/state-copy.ts): the task as the leader stored it, or gone.
   * Nothing is written, and no event published: the leader publishes them.
   */
  copyTask(id: string, rec: TaskRecord | undefined): void {
    if (rec === undefined) {
      if (!this.#deleteTask(id)) return;
    } else this.#setTask(id, this.#adopt(rec));
    this.#onRecord(id, this.#tasks.get(id));
  }

  /** A stored task as the parts use it: defaults for older records, shared parts shared. */
  #adopt(t: TaskRecord): TaskRecord {
    t.failuresInRow ??= 0; // records written before restart policies existed
    t.restartAt ??= null;
    t.lastExit ??= null; // records written before it was kept
    const service = t.service === undefined ? undefined : this.services.get(t.service.service);
    t.request = this.compact.request(withLegacyPin(t.request, t.service, service));
    t.reason = this.compact.string(t.reason);
    t.ports = this.compact.ports(t.ports);
    t.health = this.compact.health(t.health);
    return t;
  }

  #revert(id: string, write: number): void {
    const u = this.#unconfirmed.get(id);
    if (u === undefined || u.write !== write) return; // a later commit owns the latest record
    this.#unconfirmed.delete(id);
    if (u.durable === undefined) {
      // a submission's first write: the submission fails with this error; the task never existed
      this.#deleteTask(id);
      this.#onRecord(id, undefined);
      return;
    }
    this.#setTask(id, u.durable);
    this.#onRecord(id, u.durable);
  }

  /** Sets the task's latest record; a new task's name is indexed (a task's name never changes). */
  #setTask(id: string, rec: TaskRecord): void {
    if (!this.#tasks.has(id)) this.#names.add(rec.request.name, id);
    this.#tasks.set(id, rec);
  }

  /** Forgets the task's record and its name; false when there was none. */
  #deleteTask(id: string): boolean {
    const rec = this.#tasks.get(id);
    if (rec === undefined) return false;
    this.#names.delete(rec.request.name, id);
    return this.#tasks.delete(id);
  }
}

/**
 * History, which nothing decides on any more: finished, and stopped or never to start again by
 * its restart policy (exited cleanly under on-failure, or given up).
 */
export function isEnded(t: TaskRecord): boolean {
  if (!isTerminal(t.state)) return false;
  return t.desired === 'stopped' || !restartsAgain(t);
}

/** A node's entry without its durable record: what it said last, and what the manager made of it. */
function liveSide(entry: NodeEntry): Omit<NodeEntry, 'record'> {
  const { record: _record, ...live } = entry;
  return live;
}
