import type {
  DesiredState,
  EngineStatus,
  HealthView,
  ManagerTaskView,
  NodeMetrics,
  NodeState,
  NodeStatusView,
  PortView,
  ResourcesView,
  ServiceTaskRef,
  UnplaceableView,
} from '../api/index.js';
import { TaskState, type FileKind, type PortRequest, type TaskRequest } from '../task/index.js';
import { unreadSpecFields } from './spec-fields.js';

/** What ended a task's last copy, kept across its restarts: why, how and when. */
export interface LastExit {
  reason: string;
  exitCode: number | null;
  at: string;
  /** It failed to start: the error code of why, as its worker said (`image_unavailable`); absent otherwise. */
  errorCode?: string;
}

/** A task as the manager stores it: what the user wants (request, desired) beside what it last saw. */
export interface TaskRecord {
  request: TaskRequest;
  desired: DesiredState;
  state: TaskState;
  nodeId: string | null;
  /** Grows with every placement; sent with the dispatch, echoed in reports (fencing). */
  generation: number;
  containerId: string | null;
  exitCode: number | null;
  reason: string;
  ports: PortView[];
  /** The container's address on its node's Poseidon network, as its worker last said; absent when unknown. */
  address?: string;
  /** Restarts done; shown to people. */
  restarts: number;
  /** Restarts since the backoff last reset; the limit and the backoff count these. */
  failuresInRow: number;
  /** Epoch ms when a restart is due; null when none is planned. */
  restartAt: number | null;
  health: HealthView;
  /**
   * What ended its last copy; null while none has ended. A restart clears the copy's own fields
   * (exit code, health) and a wait for room rewrites the reason: this keeps why it ended.
   */
  lastExit: LastExit | null;
  /**
   * Set by a placement pass that found no node could ever hold it (neverFits), with its reason
   * beside; shown only while it is Pending and wanted running. Absent: it waits for room, or was
   * placed (place() drops it), and every record stored before it was kept.
   */
  unplaceable?: UnplaceableView;
  submittedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  /** The service, slot and version this task is a replica of; absent for a plain task. */
  service?: ServiceTaskRef;
}

/**
 * The node id the certificate of `record`'s worker must name when the manager calls its URL: a
 * pushing worker's own (it registered with the id its certificate names), so a worker that
 * registered another's URL is not called as itself. A static worker is the operator's by its URL
 * (`--workers`), its certificate's id read at each poll: any worker certificate of the cluster.
 */
export function certIdToCall(record: Pick<NodeRecord, 'id' | 'static'>): string | undefined {
  return record.static ? undefined : record.id;
}

/** A node as the manager stores it; liveness lives in memory only. */
export interface NodeRecord {
  id: string;
  name: string;
  url: string;
  capacity: ResourcesView;
  /** From `--workers`: polled by the manager instead of pushing. */
  static: boolean;
  /**
   * A static worker's: the node ids its certificates named (the id it got when it joined; its
   * record's id comes from its URL), revoked with it. Absent: none seen yet, or a pushing worker
   * (its certificate names `id`).
   */
  certNodeIds?: string[];
  registeredAt: string;
  /** Its labels, as it registered with them; absent: none (and every record stored before labels). */
  labels?: Record<string, string>;
  /**
   * Labels the operator set (`poseidon node update --label-add`), over the worker's; null: one the
   * operator removed (`--label-rm`), the worker's included. Absent: none. Kept when the node
   * registers again.
   */
  operatorLabels?: Record<string, string | null>;
  /** Host directories its worker lets tasks mount; absent: none. */
  allowedHostPaths?: string[];
  /** Capabilities beyond Docker's default set its worker gives tasks (`--allow-cap`); absent: none. */
  allowedCaps?: string[];
  /** Its worker's Poseidon version; absent: a worker older than versions. */
  version?: string;
  /** The task spec fields its worker reads; absent: not known (an older worker). */
  specFields?: string[];
  /** Its worker's `--stop-grace` (s), which a stop call waits out; absent: the default (older workers). */
  stopGraceSeconds?: number;
  /** The machine its worker runs on (`--host-id`); absent: not known (an older worker). */
  hostId?: string;
  /**
   * `drain` (`poseidon node drain`): no new placements, its tasks move elsewhere; `pause`
   * (`poseidon node update --availability pause`): no new placements, its tasks stay; absent:
   * active (and every record stored before drain existed). Kept when the node registers again.
   */
  availability?: 'drain' | 'pause';
}

/** A named volume and the node that holds it, learned when a task that mounts it first ran there. */
export interface VolumeRecord {
  name: string;
  nodeId: string;
  createdAt: string;
}

/**
 * A secret or config. A secret's value is sealed (AES-256-GCM under the cluster's files key,
 * file-seal.ts); a config's is kept as it is. Neither changes once written.
 */
export interface FileRecord {
  kind: FileKind;
  name: string;
  createdAt: string;
  labels: Record<string, string>;
  size: number;
  /** A config's value, base64; a secret's sealed value (`iv.tag.data`, each base64). */
  value: string;
}

/**
 * When the last certificate the cluster's CA issued to a node expires (a join or a renewal, at the
 * `--cert-ttl` of that moment): a removal keeps the node revoked until then. Dropped once past.
 */
export interface IssuedCerts {
  nodeId: string;
  expiresAt: string;
}

/** A node removed from the cluster: its certificate is refused from then on. */
export interface RevokedNode {
  nodeId: string;
  /** Its name when it was removed, for people. */
  name: string;
  revokedAt: string;
  /**
   * When every certificate issued to the node has expired (the later of its revocation plus the
   * certificate lifetime and the expiry of the last certificate issued to it, IssuedCerts): the
   * entry is dropped then, as an expired certificate is refused anyway. Absent (a revocation older
   * than this field): kept.
   */
  certsExpireAt?: string;
}

/** A static worker as a poll found it: the node id its certificate names. */
export interface PolledNode {
  certNodeId: string;
}

/** A node with its liveness, in memory. */
export interface NodeEntry {
  record: NodeRecord;
  state: NodeState;
  lastHeartbeatMs: number | null;
  /** As its last register or beat said (the wire's NodeMetrics); null before either. */
  metrics: NodeMetrics | null;
  /** The digest of the last heartbeat that disagreed with the manager's (see NodeTracker.needsResync). */
  digestSeen?: string;
  /** The container engine as the node last said; null before it said anything (taken as available). */
  engine?: EngineStatus | null;
  /** The engine has been away longer than the grace: the node's tasks are placed elsewhere. */
  engineLost?: boolean;
  /** Its worker said it is restarting (a last beat): no new work, its tasks stay, Down only after --restart-grace. */
  restarting?: boolean;
}

/** Whether the node takes new work: it beats, its engine answers, it is not restarting, and it is not drained. */
export function takesWork(n: NodeEntry): boolean {
  return (
    n.state === 'Up' && n.engine?.available !== false && n.restarting !== true && n.record.availability === undefined
  );
}

/** Whether an operator drained the node: nothing new goes there, and what runs there moves. */
export function isDrained(n: NodeEntry): boolean {
  return n.record.availability === 'drain';
}

/** The operator paused the node: nothing new goes there, and what runs there stays. */
export function isPaused(n: NodeEntry): boolean {
  return n.record.availability === 'pause';
}

export const NO_HEALTH: HealthView = { status: 'none', failures: 0, lastOutput: '', lastCheckedAt: null };

export function toTaskView(r: TaskRecord, nodeName: string | null): ManagerTaskView {
  const q = r.request;
  return {
    id: q.id,
    name: q.name,
    image: q.image,
    command: q.command,
    desiredState: r.desired,
    state: r.state,
    node: nodeName,
    nodeId: r.nodeId,
    generation: r.generation,
    containerId: r.containerId,
    exitCode: r.exitCode,
    reason: r.reason,
    ports: portViews(r.ports, q.ports),
    restarts: r.restarts,
    restartAt: r.restartAt === null ? null : new Date(r.restartAt).toISOString(),
    cpu: q.cpuCores,
    memory: q.memoryBytes,
    disk: q.diskBytes,
    labels: q.labels,
    health: r.health,
    lastExit: r.lastExit,
    ...(isUnplaceable(r) ? { unplaceable: r.unplaceable } : {}),
    ...(r.address === undefined ? {} : { address: r.address }),
    ...(q.files === undefined ? {} : { files: q.files }),
    submittedAt: r.submittedAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    updatedAt: r.updatedAt,
    ...(r.service === undefined
      ? {}
      : { service: r.service.service, slot: r.service.slot, version: r.service.version }),
  };
}

/**
 * Its ports as the worker reported them bound, else as asked; each with the host address it asked
 * for (a worker reports none: where the port is bound is the task's to say).
 */
function portViews(reported: readonly PortView[], asked: readonly PortRequest[]): PortView[] {
  if (reported.length === 0)
    return asked.map((p) => ({
      container: p.containerPort,
      host: p.hostPort,
      protocol: p.protocol,
      ...(p.hostIp === undefined ? {} : { hostIp: p.hostIp }),
    }));
  if (!asked.some((p) => p.hostIp !== undefined)) return reported as PortView[];
  return reported.map((v) => {
    const hostIp = asked.find((p) => p.containerPort === v.container && p.protocol === v.protocol)?.hostIp;
    return hostIp === undefined ? v : { ...v, hostIp };
  });
}

/** A Pending task, wanted running, that the last placement pass found no node could ever hold. */
function isUnplaceable(r: TaskRecord): r is TaskRecord & { unplaceable: UnplaceableView } {
  return r.unplaceable !== undefined && r.state === TaskState.Pending && r.desired === 'running';
}

/**
 * The labels constraints match: the worker's, with the operator's over them (a null removes one).
 * The worker's own object when the operator set none, so an unchanged node compares the same.
 */
export function nodeLabels(record: NodeRecord): Record<string, string> | undefined {
  const set = record.operatorLabels;
  if (set === undefined) return record.labels;
  const labels: Record<string, string> = { ...record.labels };
  for (const [key, value] of Object.entries(set)) {
    if (value === null) delete labels[key];
    else labels[key] = value;
  }
  return labels;
}

/** Whether two label maps hold the same keys with the same values (null included). */
export function sameLabels(
  a: Readonly<Record<string, string | null>> | undefined,
  b: Readonly<Record<string, string | null>> | undefined,
): boolean {
  const keys = Object.keys(a ?? {});
  return (
    keys.length === Object.keys(b ?? {}).length &&
    keys.every((k) => b !== undefined && Object.hasOwn(b, k) && b[k] === a?.[k])
  );
}

export function toNodeView(n: NodeEntry, allocated: ResourcesView, taskCount: number): NodeStatusView {
  const c = n.record.capacity;
  const unread = unreadSpecFields(n.record.specFields);
  return {
    id: n.record.id,
    name: n.record.name,
    url: n.record.url,
    state: n.state,
    lastHeartbeat: n.lastHeartbeatMs === null ? null : new Date(n.lastHeartbeatMs).toISOString(),
    capacity: c,
    allocated,
    free: {
      cpuCores: c.cpuCores - allocated.cpuCores,
      memoryBytes: c.memoryBytes - allocated.memoryBytes,
      diskBytes: c.diskBytes - allocated.diskBytes,
    },
    taskCount,
    load1: n.metrics?.load1 ?? 0,
    cpuUsage: n.metrics?.cpuUsage ?? 0,
    memoryAvailableBytes: n.metrics?.memoryAvailableBytes ?? 0,
    engine: n.engine ?? null,
    availability: n.record.availability ?? 'active',
    ...(n.restarting === true ? { restarting: true } : {}),
    conditions: n.engine?.available === false ? [`engine unavailable since ${n.engine.since}: ${n.engine.reason}`] : [],
    labels: nodeLabels(n.record) ?? {},
    ...(n.record.operatorLabels === undefined ? {} : { operatorLabels: n.record.operatorLabels }),
    allowedHostPaths: n.record.allowedHostPaths ?? [],
    allowedCaps: n.record.allowedCaps ?? [],
    ...(n.record.version === undefined ? {} : { version: n.record.version }),
    ...(n.record.hostId === undefined ? {} : { hostId: n.record.hostId }),
    ...(unread.length === 0 ? {} : { specFieldsUnread: [...unread] }),
    portsInUse: [...(n.metrics?.portsInUse ?? [])],
  };
}
