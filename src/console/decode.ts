// Every answer of the Manager API is checked here before the console uses it: a field the
// console reads is there and of its type, or the answer is refused with what was wrong. The
// shapes are the console's own reading of src/api (only the fields it shows).

import { SERVICE_MODES, type ServiceModeName } from '../api/service-modes.js';
import { fieldPath } from '../errors/index.js';
import type { SpecFields } from '../cli/spec-rows.js';
import { resolveFileRef, type FileKind, type TaskFile } from '../task/file-limits.js';

export class BadAnswer extends Error {
  constructor(what: string) {
    super(`the manager answered something the console cannot read: ${what}`);
  }
}

type Obj = Readonly<Record<string, unknown>>;

export function obj(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadAnswer(`${what} is not an object`);
  return v as Obj;
}
export function list<T>(v: unknown, what: string, item: (x: unknown, what: string) => T): T[] {
  if (!Array.isArray(v)) throw new BadAnswer(`${what} is not a list`);
  return v.map((x, i) => item(x, fieldPath(what, i)));
}
export function str(o: Obj, k: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw new BadAnswer(`${k} is not text`);
  return v;
}
export function num(o: Obj, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadAnswer(`${k} is not a number`);
  return v;
}
export function optStr(o: Obj, k: string): string | null {
  const v = o[k];
  return typeof v === 'string' ? v : null;
}
export function optNum(o: Obj, k: string): number | null {
  const v = o[k];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
function oneOf<T extends string>(o: Obj, k: string, values: readonly T[]): T {
  const v = str(o, k);
  if (!(values as readonly string[]).includes(v)) throw new BadAnswer(`${k} is ${JSON.stringify(v)}`);
  return v as T;
}

const FILE_KINDS = ['secret', 'config'] as const satisfies readonly FileKind[];

export const TASK_STATES = ['Pending', 'Scheduled', 'Running', 'Completed', 'Failed'] as const;
export type TaskState = (typeof TASK_STATES)[number];
export type Scope = 'read' | 'deploy' | 'admin';

export interface Resources {
  cpuCores: number;
  memoryBytes: number;
}
export interface NodeView {
  id: string;
  name: string;
  url: string;
  state: string;
  availability: 'active' | 'drain' | 'pause';
  lastHeartbeat: string | null;
  capacity: Resources;
  allocated: Resources;
  taskCount: number;
  load1: number;
  cpuUsage: number;
  memoryAvailableBytes: number;
  conditions: string[];
  /** Host ports something other than its tasks holds (`8080/tcp`); none from an older manager. */
  portsInUse: string[];
  /** The labels constraints match, and those the operator set (null: removed); none from an older manager. */
  labels: Record<string, string>;
  operatorLabels: Record<string, string | null>;
  /** Its worker's Poseidon version; null: not known (an older worker or manager). */
  version: string | null;
  /** The machine its worker runs on (`--host-id`); null: not known (an older worker or manager). */
  hostId: string | null;
  /** Task spec fields its worker does not read (older than the manager); none when it reads all, or not known. */
  specFieldsUnread: string[];
}
export interface TaskView {
  id: string;
  name: string;
  image: string;
  command: string[];
  desiredState: string;
  state: TaskState;
  node: string | null;
  nodeId: string | null;
  reason: string;
  exitCode: number | null;
  restarts: number;
  /** When its restart policy starts it again; null when no restart is planned (and from an older manager). */
  restartAt: string | null;
  /** The container it runs now (or last ran); null before its first, and from an older manager. */
  containerId: string | null;
  /** Why its last copy ended, and when; null when none has (or an older manager). */
  lastExit: { reason: string; at: string } | null;
  /** Its check's last verdict as the manager holds it, also after its container ended (see healthText). */
  health: string;
  /** The labels it was given (`--label`, a spec's `labels`), values as they are. */
  labels: Record<string, string>;
  cpu: number;
  memory: number;
  submittedAt: string;
  startedAt: string | null;
  /** When its last container ended; null while it runs or before its first (and from an older manager). */
  finishedAt: string | null;
  service: string | null;
  slot: number | null;
  version: number | null;
  /** The secrets and configs it mounts, where and how; none from an older manager. */
  files: TaskFile[];
  /** Why no node could ever hold it, while Pending; null when one can (or an older manager). */
  unplaceable: { reason: string; cause: string } | null;
}
export interface UpdateView {
  state: string;
  fromVersion: number;
  toVersion: number;
  updated: number;
  total: number;
  reason: string;
}
export type ServiceMode = ServiceModeName;

export const JOB_STATES = ['running', 'complete', 'failed'] as const;
/** Where a job's run of its version stands. */
export interface JobView {
  state: (typeof JOB_STATES)[number];
  completed: number;
  failed: number;
  /** The tasks the run wants done: `replicas`, or the nodes of a global job. */
  total: number;
  finishedAt: string | null;
}

export interface ServiceView {
  name: string;
  version: number;
  /**
   * `global`: one replica on each node that meets its constraints (`replicas` counts those nodes
   * now); `replicated-job`, `global-job`: tasks run to completion, with `job` saying how far.
   */
  mode: ServiceMode;
  replicas: number;
  healthy: number;
  running: number;
  image: string;
  update: UpdateView | null;
  /** A job's run; null for a service (or a manager before jobs). */
  job: JobView | null;
  /** The secrets and configs its template mounts, resolved as its replicas get them. */
  files: TaskFile[];
  /**
   * Its template mounts a named volume (each slot's data): a slot's next replica starts once the
   * one leaving has ended, never beside it (as `poseidon stop` says of such a replica).
   */
  ownData: boolean;
}
/** A secret or config as `GET /secrets` and `GET /configs` list it: never a value (a config's is not read). */
export interface FileView {
  name: string;
  kind: FileKind;
  size: number;
  labels: Record<string, string>;
  createdAt: string;
  /** Tasks (by id) that may still start and services (by name) that mount it. */
  inUseBy: string[];
}
export interface EndpointView {
  taskId: string;
  slot: number;
  node: string | null;
  state: string;
  address: string | null;
}
export interface ClusterEvent {
  time: string;
  type: string;
  taskId: string | null;
  taskName: string | null;
  node: string | null;
  state: string | null;
  reason: string | null;
  restarts: number | null;
  /** The delay of the restart a `task.restarting` planned. */
  delayMs: number | null;
  service: string | null;
  /** A secret's or config's name, of its event. */
  file: string | null;
  /** What a rollout step did other than as its order says (a slot updated stop-first for want of room). */
  note: string | null;
}
export interface TokenInfo {
  id: string;
  name: string;
  scope: Scope;
}
export interface TaskUsage {
  cpu: number;
  memoryBytes: number;
}

function resources(v: unknown, what: string): Resources {
  const o = obj(v, what);
  return { cpuCores: num(o, 'cpuCores'), memoryBytes: num(o, 'memoryBytes') };
}

export function nodeView(v: unknown, what = 'node'): NodeView {
  const o = obj(v, what);
  return {
    id: str(o, 'id'),
    name: str(o, 'name'),
    url: str(o, 'url'),
    state: str(o, 'state'),
    availability: o.availability === 'drain' || o.availability === 'pause' ? o.availability : 'active',
    lastHeartbeat: optStr(o, 'lastHeartbeat'),
    capacity: resources(o.capacity, `${what}.capacity`),
    allocated: resources(o.allocated, `${what}.allocated`),
    taskCount: num(o, 'taskCount'),
    load1: num(o, 'load1'),
    cpuUsage: num(o, 'cpuUsage'),
    memoryAvailableBytes: num(o, 'memoryAvailableBytes'),
    conditions: list(o.conditions ?? [], `${what}.conditions`, text),
    portsInUse: list(o.portsInUse ?? [], `${what}.portsInUse`, text),
    labels: textMap(o.labels ?? {}, `${what}.labels`, false) as Record<string, string>,
    operatorLabels: textMap(o.operatorLabels ?? {}, `${what}.operatorLabels`, true),
    version: optStr(o, 'version'),
    hostId: optStr(o, 'hostId'),
    specFieldsUnread: list(o.specFieldsUnread ?? [], `${what}.specFieldsUnread`, text),
  };
}

function text(x: unknown, what: string): string {
  if (typeof x !== 'string') throw new BadAnswer(`${what} is not text`);
  return x;
}

/** An object of text values (null too when `nulls`), as labels are. */
function textMap(v: unknown, what: string, nulls: boolean): Record<string, string | null> {
  const o = obj(v, what);
  for (const [k, x] of Object.entries(o))
    if (typeof x !== 'string' && !(nulls && x === null)) throw new BadAnswer(`${what}.${k} is not text`);
  return o as Record<string, string | null>;
}

function unplaceable(v: unknown, what: string): TaskView['unplaceable'] {
  if (v === null || v === undefined) return null;
  const o = obj(v, what);
  return { reason: str(o, 'reason'), cause: str(o, 'cause') };
}

function lastExit(v: unknown, what: string): TaskView['lastExit'] {
  if (v === null || v === undefined) return null;
  const o = obj(v, what);
  return { reason: str(o, 'reason'), at: str(o, 'at') };
}

export function taskView(v: unknown, what = 'task'): TaskView {
  const o = obj(v, what);
  const health = o.health === undefined ? {} : obj(o.health, `${what}.health`);
  return {
    id: str(o, 'id'),
    name: str(o, 'name'),
    image: optStr(o, 'image') ?? '',
    command: Array.isArray(o.command) ? o.command.filter((c): c is string => typeof c === 'string') : [],
    desiredState: optStr(o, 'desiredState') ?? 'running',
    state: oneOf(o, 'state', TASK_STATES),
    node: optStr(o, 'node'),
    nodeId: optStr(o, 'nodeId'),
    reason: optStr(o, 'reason') ?? '',
    exitCode: optNum(o, 'exitCode'),
    restarts: optNum(o, 'restarts') ?? 0,
    restartAt: optStr(o, 'restartAt'),
    containerId: optStr(o, 'containerId'),
    lastExit: lastExit(o.lastExit, `${what}.lastExit`),
    unplaceable: unplaceable(o.unplaceable, `${what}.unplaceable`),
    health: optStr(health, 'status') ?? 'none',
    labels: textMap(o.labels ?? {}, `${what}.labels`, false) as Record<string, string>,
    cpu: optNum(o, 'cpu') ?? 0,
    memory: optNum(o, 'memory') ?? 0,
    submittedAt: optStr(o, 'submittedAt') ?? '',
    startedAt: optStr(o, 'startedAt'),
    finishedAt: optStr(o, 'finishedAt'),
    service: optStr(o, 'service'),
    slot: optNum(o, 'slot'),
    version: optNum(o, 'version'),
    files: list(o.files ?? [], `${what}.files`, mountedFile),
  };
}

/** One file of a task's view: resolved by the manager. */
function mountedFile(v: unknown, what: string): TaskFile {
  const o = obj(v, what);
  return {
    kind: oneOf(o, 'kind', FILE_KINDS),
    source: str(o, 'source'),
    target: str(o, 'target'),
    uid: num(o, 'uid'),
    gid: num(o, 'gid'),
    mode: num(o, 'mode'),
  };
}

/** What a service's template mounts, as written (`"0440"` or 288, `"1000"` or 1000), resolved as for its replicas. */
function templateFiles(spec: unknown, what: string): TaskFile[] {
  if (spec === undefined) return [];
  const task = obj(obj(spec, what).task, `${what}.task`);
  const refs = (kind: FileKind): TaskFile[] =>
    list(task[`${kind}s`] ?? [], `${what}.task.${kind}s`, (x, w) => {
      const r = obj(x, w);
      const target = optStr(r, 'target');
      return resolveFileRef(kind, {
        source: str(r, 'source'),
        ...(target === null ? {} : { target }),
        uid: numberOrText(r, 'uid'),
        gid: numberOrText(r, 'gid'),
        mode: numberOrText(r, 'mode'),
      });
    });
  return [...refs('secret'), ...refs('config')];
}

function numberOrText(o: Obj, k: string): number | string | undefined {
  const v = o[k];
  if (v === undefined || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return v;
  throw new BadAnswer(`${k} is neither a number nor text`);
}

export function serviceView(v: unknown, what = 'service'): ServiceView {
  const o = obj(v, what);
  const u = o.update === null || o.update === undefined ? null : obj(o.update, `${what}.update`);
  const j = o.job === null || o.job === undefined ? null : obj(o.job, `${what}.job`);
  return {
    name: str(o, 'name'),
    version: num(o, 'version'),
    // a manager before global services says no mode: its services are replicated
    mode: o.mode === undefined ? 'replicated' : oneOf(o, 'mode', SERVICE_MODES),
    replicas: num(o, 'replicas'),
    healthy: num(o, 'healthy'),
    running: num(o, 'running'),
    image: str(o, 'image'),
    update:
      u === null
        ? null
        : {
            state: str(u, 'state'),
            fromVersion: num(u, 'fromVersion'),
            toVersion: num(u, 'toVersion'),
            updated: num(u, 'updated'),
            total: num(u, 'total'),
            reason: optStr(u, 'reason') ?? '',
          },
    job:
      j === null
        ? null
        : {
            state: oneOf(j, 'state', JOB_STATES),
            completed: num(j, 'completed'),
            failed: num(j, 'failed'),
            total: num(j, 'total'),
            finishedAt: optStr(j, 'finishedAt'),
          },
    files: templateFiles(o.spec, `${what}.spec`),
    ownData: namedVolumes(o.spec, `${what}.spec`),
  };
}

/** Whether the template mounts a named volume (`name` set, not a host path); false without a spec. */
function namedVolumes(spec: unknown, what: string): boolean {
  if (spec === undefined) return false;
  const task = obj(obj(spec, what).task, `${what}.task`);
  return list(task.volumes ?? [], `${what}.task.volumes`, (v, w) => obj(v, w).name !== undefined).some(Boolean);
}

export function fileView(v: unknown, what = 'file'): FileView {
  const o = obj(v, what);
  return {
    name: str(o, 'name'),
    kind: oneOf(o, 'kind', FILE_KINDS),
    size: num(o, 'size'),
    labels: textMap(o.labels ?? {}, `${what}.labels`, false) as Record<string, string>,
    createdAt: str(o, 'createdAt'),
    inUseBy: list(o.inUseBy ?? [], `${what}.inUseBy`, text),
  };
}

export function endpoints(v: unknown): EndpointView[] {
  const o = obj(v, 'endpoints');
  return list(o.endpoints, 'endpoints', (x, w) => {
    const e = obj(x, w);
    return {
      taskId: str(e, 'taskId'),
      slot: num(e, 'slot'),
      node: optStr(e, 'node'),
      state: str(e, 'state'),
      address: optStr(e, 'address'),
    };
  });
}

export function clusterEvent(v: unknown): ClusterEvent {
  const o = obj(v, 'event');
  return {
    time: str(o, 'time'),
    type: str(o, 'type'),
    taskId: optStr(o, 'taskId'),
    taskName: optStr(o, 'taskName'),
    node: optStr(o, 'node'),
    state: optStr(o, 'state'),
    reason: optStr(o, 'reason'),
    restarts: optNum(o, 'restarts'),
    delayMs: optNum(o, 'delayMs'),
    service: optStr(o, 'service'),
    file: optStr(o, 'file'),
    note: optStr(o, 'note'),
  };
}

export function tokenInfo(v: unknown): TokenInfo {
  const o = obj(v, 'token');
  return { id: str(o, 'id'), name: str(o, 'name'), scope: oneOf(o, 'scope', ['read', 'deploy', 'admin'] as const) };
}

export function taskUsage(v: unknown): TaskUsage {
  const o = obj(v, 'stats');
  return { cpu: num(o, 'cpu'), memoryBytes: num(o, 'memoryBytes') };
}

// A task's spec (`GET /tasks/{id}`), the fields src/cli/spec-rows.ts reads, each checked where it
// is set: a value of the wrong shape is refused with its path (`task.spec.restartPolicy.mode`).

type Read<T> = (v: unknown, what: string) => T;
type Readers<T> = { [K in keyof T]-?: Read<Exclude<T[K], undefined>> };

/** An object with each of `readers`' fields that it sets read by its reader; those in `required` must be set. */
function fields<T>(v: unknown, what: string, readers: Readers<T>, required: ReadonlyArray<keyof T> = []): T {
  const o = obj(v, what);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(readers) as Array<keyof T & string>) {
    if (o[k] === undefined) {
      if (required.includes(k)) throw new BadAnswer(`${what}.${k} is missing`);
      continue;
    }
    out[k] = readers[k](o[k], fieldPath(what, k));
  }
  return out as T;
}

const bool: Read<boolean> = (x, what) => {
  if (typeof x !== 'boolean') throw new BadAnswer(`${what} is not true or false`);
  return x;
};
const number: Read<number> = (x, what) => {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new BadAnswer(`${what} is not a number`);
  return x;
};
/** A duration or a size: a number (milliseconds, bytes) or as written ("2s", "64Mi"). */
const amount: Read<number | string> = (x, what) => {
  if (typeof x === 'string') return x;
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new BadAnswer(`${what} is neither a number nor text`);
  return x;
};
const texts: Read<string[]> = (x, what) => list(x, what, text);
function literal<T extends string>(values: readonly T[]): Read<T> {
  return (x, what) => {
    if (typeof x !== 'string' || !(values as readonly string[]).includes(x))
      throw new BadAnswer(`${what} is ${JSON.stringify(x)}, not one of ${values.join(', ')}`);
    return x as T;
  };
}

type HealthCheckFields = NonNullable<SpecFields['healthCheck']>;
type RestartFields = NonNullable<SpecFields['restartPolicy']>;
type Ulimits = NonNullable<SpecFields['ulimits']>;
type Sysctls = NonNullable<SpecFields['sysctls']>;

const healthCheck: Read<HealthCheckFields> = (x, what) =>
  fields<HealthCheckFields>(
    x,
    what,
    {
      type: literal(['http', 'tcp', 'exec'] as const),
      port: number,
      path: text,
      command: texts,
      interval: amount,
      timeout: amount,
      failureThreshold: number,
      startPeriod: amount,
    },
    ['type'],
  );

const restartPolicy: Read<RestartFields> = (x, what) =>
  fields<RestartFields>(
    x,
    what,
    {
      mode: literal(['never', 'on-failure', 'always'] as const),
      maxRestarts: (m, w) => (m === null ? null : number(m, w)),
      // one duration (the same wait every time), or doubling from initial up to max
      backoff: (b, w) =>
        typeof b === 'object' && b !== null ? fields(b, w, { initial: amount, max: amount }) : amount(b, w),
      resetAfter: amount,
    },
    ['mode'],
  );

const ulimits: Read<Ulimits> = (x, what) => {
  const out: Record<string, number | { soft: number; hard: number }> = {};
  for (const [name, v] of Object.entries(obj(x, what)))
    out[name] =
      typeof v === 'number'
        ? number(v, fieldPath(what, name))
        : fields(v, fieldPath(what, name), { soft: number, hard: number }, ['soft', 'hard']);
  return out;
};

const sysctls: Read<Sysctls> = (x, what) => {
  const out: Record<string, string | number> = {};
  for (const [name, v] of Object.entries(obj(x, what))) out[name] = amount(v, fieldPath(what, name));
  return out;
};

/** Its env's names, each checked to have a text value, which is not kept: a value may be a secret. */
const envNames: Read<Record<string, null>> = (x, what) => {
  const names = Object.keys(textMap(x, what, false));
  return Object.fromEntries(names.map((name) => [name, null]));
};

const specReaders: Readers<SpecFields> = {
  pull: literal(['missing', 'always', 'never'] as const),
  entrypoint: texts,
  user: text,
  workdir: text,
  stopSignal: text,
  stopGracePeriod: amount,
  readOnlyRootfs: bool,
  env: envNames,
  cpu: number,
  cpuLimit: number,
  pidsLimit: number,
  memory: amount,
  constraints: texts,
  healthCheck,
  imageHealthCheck: bool,
  restartPolicy,
  volumes: (x, what) =>
    list(x, what, (v, w) => fields(v, w, { name: text, hostPath: text, path: text, readOnly: bool }, ['path'])),
  tmpfs: (x, what) => list(x, what, (v, w) => fields(v, w, { path: text, size: amount }, ['path'])),
  hostname: text,
  extraHosts: texts,
  shmSize: amount,
  ulimits,
  capAdd: texts,
  capDrop: texts,
  sysctls,
  groupAdd: texts,
  logs: (x, what) => fields(x, what, { maxSize: amount, maxFiles: number }),
};

/** The spec in `GET /tasks/{id}`'s answer; null from a manager older than `spec` in it, which sends none. */
export function taskSpec(v: unknown): SpecFields | null {
  const o = obj(v, 'task');
  return o.spec === undefined ? null : fields(o.spec, 'task.spec', specReaders);
}
