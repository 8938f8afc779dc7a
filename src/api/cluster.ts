import { Type, type Static } from '@sinclair/typebox';
import { DNS_LABEL_PATTERN, MAX_NODE_LABELS, NODE_LABEL_KEY_PATTERN, NODE_LABEL_VALUE_PATTERN } from '../task/index.js';
import { TaskDigest } from './task-digest.js';
import { WorkerTaskView } from './views.js';

// Wire shapes between workers and the manager, and what the Manager API returns.

const Resources = Type.Object(
  {
    cpuCores: Type.Number({ minimum: 0 }),
    memoryBytes: Type.Integer({ minimum: 0 }),
    diskBytes: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

// The manager checks every report with ajv, which tries a union's branches in order and builds an
// error object for each that fails before one matches (dropped once one does). So each union puts
// first what a report carries most: Running, and no exit code or finish time yet. In the other
// order a report's check made about 800 bytes of garbage (bench/submit-alloc.ts).
const States = ['Running', 'Scheduled', 'Pending', 'Completed', 'Failed'] as const;

// What a worker reports is stored with the task and shown to people: every string and list is
// bounded, whoever sends it.
const Time = Type.Union([Type.String({ maxLength: 64 }), Type.Null()]);
/** A time a task that runs has not got yet (its finish): null first. */
const TimeToCome = Type.Union([Type.Null(), Type.String({ maxLength: 64 })]);
const Port = Type.Integer({ minimum: 0, maximum: 65535 });

export const TaskReport = Type.Object(
  {
    taskId: Type.String({ minLength: 1, maxLength: 64 }),
    generation: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    state: Type.Union(States.map((s) => Type.Literal(s))),
    containerId: Type.Union([Type.String({ maxLength: 128 }), Type.Null()]),
    exitCode: Type.Union([Type.Null(), Type.Integer({ minimum: -(2 ** 31), maximum: 2 ** 31 - 1 })]),
    reason: Type.String({ maxLength: 4096 }),
    // a start that failed: the error code of why (image_unavailable), which the CLI acts on
    errorCode: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' })),
    ports: Type.Array(
      Type.Object(
        { container: Port, host: Port, protocol: Type.Union([Type.Literal('tcp'), Type.Literal('udp')]) },
        { additionalProperties: false },
      ),
      { maxItems: 64 },
    ),
    startedAt: Time,
    finishedAt: TimeToCome,
    // the container's address on its host's Poseidon network (IPv4, or IPv6 text)
    address: Type.Optional(Type.String({ minLength: 1, maxLength: 45 })),
    health: Type.Optional(
      Type.Object(
        {
          status: Type.Union([
            Type.Literal('none'),
            Type.Literal('starting'),
            Type.Literal('healthy'),
            Type.Literal('unhealthy'),
          ]),
          failures: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }),
          lastOutput: Type.String({ maxLength: 4096 }),
          lastCheckedAt: Time,
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/**
 * Entries a heartbeat or a report may carry beyond the tasks the manager placed on the node: a
 * worker also reports copies it should not hold (a stale copy after a partition, which the
 * manager stops). A worker sends its reports in chunks of at most this many, so it never needs more.
 */
export const REPORT_SLACK = 256;
/**
 * Tasks a registration may list: every task the worker holds, finished ones too, so it is
 * bounded only by what one node can hold (the 64 MiB body holds about this many).
 */
export const MAX_REGISTER_TASKS = 200_000;
export type TaskReport = Static<typeof TaskReport>;

/** Host ports in use outside Poseidon that one node may report. */
export const MAX_PORTS_IN_USE = 4096;

/**
 * A host port and its protocol, as `"8080/tcp"` (every address), or on one address: `"127.0.0.1:8080/tcp"`,
 * `"[::1]:8080/tcp"` (hostPortKey).
 */
export const HOST_PORT_KEY_PATTERN =
  '^([0-9]{1,3}([.][0-9]{1,3}){3}:|\\[[0-9a-f:.]{2,45}\\]:)?[1-9][0-9]{0,4}/(tcp|udp)$';

export const NodeMetrics = Type.Object(
  {
    cpuUsage: Type.Number({ minimum: 0, maximum: 1 }),
    load1: Type.Number({ minimum: 0 }),
    memoryAvailableBytes: Type.Integer({ minimum: 0 }),
    diskFreeBytes: Type.Integer({ minimum: 0 }),
    /**
     * Host ports something other than the node's own tasks holds (other containers, processes on
     * the host), as `"8080/tcp"`, or `"127.0.0.1:8080/tcp"` for one held on one address only: no task
     * that asks for one of them (on that address, or on every address) is placed on the node.
     * Absent from older workers: none.
     */
    portsInUse: Type.Optional(
      Type.Array(Type.String({ pattern: HOST_PORT_KEY_PATTERN, maxLength: 64 }), { maxItems: MAX_PORTS_IN_USE }),
    ),
  },
  { additionalProperties: false },
);
export type NodeMetrics = Static<typeof NodeMetrics>;

/**
 * Whether the worker's container engine answers. A node whose engine is away takes no new work,
 * and its tasks are not failed for it; past the manager's grace they are placed elsewhere.
 */
export const EngineStatus = Type.Object(
  {
    available: Type.Boolean(),
    /** When it became so (ISO 8601). */
    since: Type.String({ maxLength: 64 }),
    /** Why it is unavailable, for people; empty when available. */
    reason: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type EngineStatus = Static<typeof EngineStatus>;

/** `--allow-host-path` prefixes one worker may give. */
export const MAX_ALLOWED_HOST_PATHS = 32;
/** Most task spec fields a worker may say it reads (this build has under 40). */
export const MAX_SPEC_FIELDS = 256;
/**
 * A host's identity (`poseidon worker --host-id`): letters, digits and `.`, `_`, `:`, `-`, at most
 * 128. Workers that give the same one share a machine: a proxy there reaches their containers
 * directly, the others' through their worker (the tunnel).
 */
export const HOST_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$';

const NodeLabels = Type.Record(
  Type.String({ pattern: NODE_LABEL_KEY_PATTERN }),
  Type.String({ pattern: NODE_LABEL_VALUE_PATTERN }),
  { maxProperties: MAX_NODE_LABELS },
);

/**
 * `POST /nodes/{id}/labels` (`poseidon node update --label-add/--label-rm`): the operator's labels
 * to set, and keys to remove (the worker's too); a key may not be in both.
 */
export const NodeLabelsUpdate = Type.Object(
  {
    add: Type.Optional(NodeLabels),
    remove: Type.Optional(
      Type.Array(Type.String({ pattern: NODE_LABEL_KEY_PATTERN }), { maxItems: MAX_NODE_LABELS, uniqueItems: true }),
    ),
  },
  { additionalProperties: false },
);
export type NodeLabelsUpdate = Static<typeof NodeLabelsUpdate>;

export const RegisterRequest = Type.Object(
  {
    nodeId: Type.String({ pattern: '^[0-9a-fA-F-]{36}$' }),
    /** A DNS label, as task names are. */
    name: Type.String({ pattern: DNS_LABEL_PATTERN }),
    /**
     * The worker's API base URL, as the manager should call it: https (the Worker API is mutual
     * TLS only), its host one its certificate names.
     */
    url: Type.String({ pattern: '^https://', maxLength: 2048 }),
    capacity: Resources,
    metrics: NodeMetrics,
    /** Every task the worker holds, so the manager can resync. */
    tasks: Type.Array(TaskReport, { maxItems: MAX_REGISTER_TASKS }),
    engine: Type.Optional(EngineStatus),
    /** The node's labels (`--label zone=a`), which task constraints match; absent from older workers: none. */
    labels: Type.Optional(NodeLabels),
    /**
     * How long the worker lets a container stop before it kills it (`--stop-grace`, s): a stop
     * call waits that long. Absent from older workers: the default, 10 s.
     */
    stopGraceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 999_999 })),
    /** Host directories the worker lets tasks mount (`--allow-host-path`); absent: none. */
    allowedHostPaths: Type.Optional(
      Type.Array(Type.String({ pattern: '^/', minLength: 1, maxLength: 4096 }), { maxItems: MAX_ALLOWED_HOST_PATHS }),
    ),
    /** Capabilities beyond Docker's default set the worker gives tasks (`--allow-cap`; `ALL`: any); absent: none. */
    allowedCaps: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Z_]{1,32}$' }), { maxItems: 64 })),
    /** The worker's Poseidon version (`poseidon --version`); absent from older workers. */
    version: Type.Optional(Type.String({ pattern: '^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$' })),
    /**
     * The task spec fields the worker reads (its TaskSpec's): a task that sets another is not
     * placed there. Absent from older workers: not known, so nothing is kept from them.
     */
    specFields: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9]{0,63}$' }), { maxItems: MAX_SPEC_FIELDS }),
    ),
    /** The machine the worker runs on (HOST_ID_PATTERN); absent from older workers: not known. */
    hostId: Type.Optional(Type.String({ pattern: HOST_ID_PATTERN })),
  },
  { additionalProperties: false },
);
export type RegisterRequest = Static<typeof RegisterRequest>;

/** A version of the set of revoked node ids: 16 hex digits. */
export const RevokedVersion = Type.String({ pattern: '^[0-9a-f]{16}$' });

export const HeartbeatRequest = Type.Object(
  {
    metrics: NodeMetrics,
    /**
     * The worker's active tasks (Scheduled, Running): the periodic resync. A worker that sends
     * `digest` may send none here until a reply asks for them with `resync` (and may then send
     * them as reports instead). At most the tasks the manager placed on the node plus REPORT_SLACK.
     */
    tasks: Type.Array(TaskReport, { maxItems: MAX_REGISTER_TASKS }),
    /** Summary of the worker's active tasks, as (task id, generation); see task-digest.ts. */
    digest: Type.Optional(TaskDigest),
    /** The container engine's state; absent from workers that do not say (taken as available). */
    engine: Type.Optional(EngineStatus),
    /** Asks for the tasks the manager has on this node (`owned` in the reply), after the engine came back. */
    listOwned: Type.Optional(Type.Boolean()),
    /**
     * The worker's last beat: it is stopping on purpose (SIGTERM) and leaves its tasks running, to
     * come back soon. The manager holds the node for `--restart-grace` before it is Down.
     */
    restarting: Type.Optional(Type.Boolean()),
    /**
     * The version of the revoked node ids the worker holds (pki/revoked-version.ts): the reply
     * carries the manager's list whenever its own differs. Absent (an older worker): the list goes
     * when it changed since the manager last told this node.
     */
    revokedVersion: Type.Optional(RevokedVersion),
  },
  { additionalProperties: false },
);
export type HeartbeatRequest = Static<typeof HeartbeatRequest>;

/** Most revoked node ids `PUT /revoked` on a worker takes (each a node id, as the manager's list holds them). */
export const MAX_REVOKED_IDS = 20_000;

/**
 * `PUT /revoked` on a worker the manager polls (`--workers`): every node removed from the
 * cluster, in place of the list it held; its tunnel refuses their certificates.
 */
export const RevokedListRequest = Type.Object(
  { nodeIds: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: MAX_REVOKED_IDS }) },
  { additionalProperties: false },
);
export type RevokedListRequest = Static<typeof RevokedListRequest>;

/** Most tasks in one `POST /tasks/batch`: ~400 bytes of spec each stays well under the 1 MiB body limit. */
export const MAX_BATCH_START = 500;

/**
 * `POST /tasks/batch` on a worker: several starts in one request. Each `spec` is checked as the
 * body of `POST /tasks` is (a bad one is refused alone, by its result); `generation` is the
 * placement generation it runs under.
 */
export const BatchStartRequest = Type.Object(
  {
    tasks: Type.Array(
      Type.Object(
        { spec: Type.Unknown(), generation: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_BATCH_START },
    ),
  },
  { additionalProperties: false },
);
export type BatchStartRequest = Static<typeof BatchStartRequest>;

/** At most the tasks the manager placed on the node plus REPORT_SLACK entries (checked by the manager). */
export const ReportRequest = Type.Object(
  { tasks: Type.Array(TaskReport, { maxItems: MAX_REGISTER_TASKS }) },
  { additionalProperties: false },
);
export type ReportRequest = Static<typeof ReportRequest>;

/** One task of a `POST /tasks/batch`: the spec, and the placement generation it runs under. */
export interface BatchStart {
  spec: unknown;
  generation: number;
}

/** The answer for one task of a batch, in the order sent: its view, or why the worker refused it. */
export const BatchStartResult = Type.Union([
  Type.Object({ task: WorkerTaskView }),
  Type.Object({ error: Type.Object({ code: Type.String(), status: Type.Integer(), message: Type.String() }) }),
]);
export type BatchStartResult = Static<typeof BatchStartResult>;

/** `POST /tasks/batch`: one result per task, in the order sent. */
export const BatchStartReply = Type.Object({ results: Type.Array(BatchStartResult) });

/** A worker's task view as the report it sends the manager. */
export function toReport(t: WorkerTaskView): TaskReport {
  return {
    taskId: t.id,
    generation: t.generation,
    state: t.state,
    containerId: t.containerId,
    exitCode: t.exitCode,
    reason: t.reason,
    ...(t.errorCode === undefined ? {} : { errorCode: t.errorCode }),
    ports: t.ports,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
    health: t.health,
    ...(t.address === undefined ? {} : { address: t.address }),
  };
}
