import { Type, type Static } from '@sinclair/typebox';
import { InvalidField } from '../errors/index.js';
import { TaskSpec } from '../task/index.js';
import { EngineStatus } from './cluster.js';
import { MountedFileView } from './files.js';
import { HealthView, PortView, StringMap, TaskStateView, TimeOrNull } from './views.js';

// What the Manager API answers about tasks and nodes (response schemas; see views.ts).

/** The manager sets the pace. */
export const HeartbeatReply = Type.Object({
  nextBeatInMs: Type.Integer(),
  resync: Type.Optional(Type.Boolean({ description: 'The digest did not match: send every active task next time.' })),
  owned: Type.Optional(
    Type.Array(Type.Object({ taskId: Type.String(), generation: Type.Integer() }), {
      description: 'With listOwned: every task the manager has on this node; it runs these, no others.',
    }),
  ),
  revoked: Type.Optional(
    Type.Array(Type.String(), {
      description:
        'Every node removed from the cluster, by id, when the set changed since this node was last told: ' +
        'its tunnel refuses their certificates.',
    }),
  ),
});
export type HeartbeatReply = Static<typeof HeartbeatReply>;

export const DesiredState = Type.Union([Type.Literal('running'), Type.Literal('stopped')]);
export type DesiredState = Static<typeof DesiredState>;

/** Why a task's copy ended ("exited with code 1", "unhealthy: …"), its exit code, and when. */
export const LastExitView = Type.Object({
  reason: Type.String(),
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  at: Type.String(),
  errorCode: Type.Optional(
    Type.String({
      description:
        'It failed to start: the error code of why, as its worker said (image_unavailable: its image ' +
        'cannot be had on that node); absent when its container ran.',
    }),
  ),
});
export type LastExitView = Static<typeof LastExitView>;

/**
 * A Pending task no node of the cluster could ever hold, even running nothing else: why, and what
 * keeps it out. Nothing that ends on the cluster changes that; a node that joins, or an operator
 * who acts, does (the task is placed then).
 */
export const UnplaceableView = Type.Object(
  {
    reason: Type.String({
      description:
        'Per node, what keeps it out for good, judged by the nodes as they are (a Down, drained or paused ' +
        'node counts as such): "0/2 nodes could ever hold it: 2 nodes have less than 500 GiB memory in all ' +
        '(the biggest, w1, has 23.5 GiB)".',
    }),
    cause: Type.String({
      description:
        'What keeps out the most nodes, the name of its placement filter: memory, cpu, disk (the request ' +
        'exceeds their whole capacity), constraints, capabilities, host-paths, spec-fields (a worker too old), ' +
        'volume-home (its volume is on another node), node-up (down, drained or paused).',
    }),
  },
  {
    description:
      'Set while it is Pending, wanted running, because no node could ever hold it (not for want of free room ' +
      'now); absent otherwise, and from an older manager.',
  },
);
export type UnplaceableView = Static<typeof UnplaceableView>;

const managerTaskFields = {
  id: Type.String(),
  name: Type.String(),
  image: Type.String(),
  command: Type.Array(Type.String()),
  desiredState: DesiredState,
  state: TaskStateView,
  node: Type.Union([Type.String(), Type.Null()], { description: 'The node it is placed on; null while Pending.' }),
  nodeId: Type.Union([Type.String(), Type.Null()]),
  generation: Type.Integer(),
  containerId: Type.Union([Type.String(), Type.Null()]),
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  reason: Type.String(),
  ports: Type.Array(PortView),
  restarts: Type.Integer(),
  restartAt: Type.Union([Type.String(), Type.Null()], {
    description: 'When the restart policy will start it again; null when no restart is planned.',
  }),
  cpu: Type.Number(),
  memory: Type.Integer(),
  disk: Type.Integer(),
  labels: StringMap,
  health: HealthView,
  lastExit: Type.Optional(
    Type.Union([LastExitView, Type.Null()], {
      description: 'What ended its last copy, kept across restarts; null while none has ended (absent: older manager).',
    }),
  ),
  unplaceable: Type.Optional(UnplaceableView),
  submittedAt: Type.String(),
  startedAt: TimeOrNull,
  finishedAt: TimeOrNull,
  updatedAt: Type.String(),
  address: Type.Optional(Type.String({ description: "The container's address on its host's Poseidon network." })),
  files: Type.Optional(
    Type.Array(MountedFileView, { description: 'The secrets and configs it mounts (never a value); absent: none.' }),
  ),
  service: Type.Optional(Type.String({ description: "A service's replica: its service; absent for a plain task." })),
  slot: Type.Optional(Type.Integer()),
  version: Type.Optional(Type.Integer()),
  spec: Type.Optional(
    Type.Unsafe<TaskSpec>({
      ...TaskSpec,
      description:
        'GET /tasks/{id} alone: the spec it runs, as the manager holds it (sizes in bytes, durations in ' +
        "milliseconds, its restart policy in full); env values included, as a service's template shows them.",
    }),
  ),
};

/** A task as the manager reports it. */
export const ManagerTaskView = Type.Object(managerTaskFields);
export type ManagerTaskView = Static<typeof ManagerTaskView>;

/** `GET /tasks?fields=…`: each task with the named fields alone. */
export const PartialTaskView = Type.Partial(ManagerTaskView);

/** `GET /services/{name}/tasks` (service ps): each task with its slot and version. */
export const ServiceTaskView = Type.Object({
  ...managerTaskFields,
  service: Type.String(),
  slot: Type.Integer(),
  version: Type.Integer(),
});
export type ServiceTaskView = Static<typeof ServiceTaskView>;

/**
 * The fields `GET /tasks?fields=id,name,...` may name: the manager then answers each task with
 * those alone (what `poseidon status` prints is under half of a whole task).
 */
export const TASK_VIEW_FIELDS = [
  'id',
  'name',
  'image',
  'command',
  'desiredState',
  'state',
  'node',
  'nodeId',
  'generation',
  'containerId',
  'exitCode',
  'reason',
  'unplaceable',
  'ports',
  'restarts',
  'restartAt',
  'cpu',
  'memory',
  'disk',
  'labels',
  'health',
  'submittedAt',
  'startedAt',
  'finishedAt',
  'updatedAt',
  'service',
  'slot',
  'version',
] as const satisfies ReadonlyArray<keyof ManagerTaskView>;
export type TaskViewField = (typeof TASK_VIEW_FIELDS)[number];

/**
 * The named fields of a task view as a query value (`id,name`), or a 400 naming the first that a
 * task does not have.
 */
export function parseTaskFields(value: string): TaskViewField[] {
  const known = new Set<string>(TASK_VIEW_FIELDS);
  return value.split(',').map((name) => {
    if (!known.has(name)) throw new InvalidField('fields', `names ${name}, which a task does not have`);
    return name as TaskViewField;
  });
}

export const NodeState = Type.Union([Type.Literal('Up'), Type.Literal('Down'), Type.Literal('Unknown')]);
export type NodeState = Static<typeof NodeState>;

/** Whether a node takes new work (`active`) or was drained by an operator (`drain`): see `poseidon node drain`. */
export const NodeAvailability = Type.Union([Type.Literal('active'), Type.Literal('drain'), Type.Literal('pause')]);
export type NodeAvailability = Static<typeof NodeAvailability>;

export const ResourcesView = Type.Object({
  cpuCores: Type.Number(),
  memoryBytes: Type.Integer(),
  diskBytes: Type.Integer(),
});
export type ResourcesView = Static<typeof ResourcesView>;

/** A node as the manager reports it. */
export const NodeStatusView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  url: Type.String(),
  state: NodeState,
  lastHeartbeat: TimeOrNull,
  capacity: ResourcesView,
  allocated: ResourcesView,
  free: ResourcesView,
  taskCount: Type.Integer(),
  load1: Type.Number(),
  cpuUsage: Type.Number(),
  memoryAvailableBytes: Type.Integer(),
  engine: Type.Union([EngineStatus, Type.Null()], {
    description: 'The container engine as the node last said; null before it said anything.',
  }),
  availability: Type.Union([Type.Literal('active'), Type.Literal('drain'), Type.Literal('pause')], {
    description:
      '`drain`: no new placements, its tasks move elsewhere (service replicas start elsewhere first); ' +
      '`pause`: no new placements, its tasks stay.',
  }),
  restarting: Type.Optional(
    Type.Boolean({
      description:
        'The worker said it is restarting: the node takes no new work and its tasks stay, until it is back ' +
        'or `--restart-grace` has passed (then Down). Absent: not restarting, or an older manager.',
    }),
  ),
  conditions: Type.Array(Type.String(), {
    description: 'Conditions that keep the node from taking work while Up, for people (`engine unavailable`).',
  }),
  labels: Type.Record(Type.String(), Type.String(), {
    description: "The labels constraints match: the worker's (`--label`), with the operator's over them.",
  }),
  operatorLabels: Type.Optional(
    Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]), {
      description:
        'Labels the operator set with `poseidon node update` (`POST /nodes/{id}/labels`), kept when the worker ' +
        "registers again; null: a label the operator removed, the worker's included.",
    }),
  ),
  allowedHostPaths: Type.Array(Type.String(), {
    description: 'Host directories its worker lets tasks mount (`--allow-host-path`).',
  }),
  allowedCaps: Type.Optional(
    Type.Array(Type.String(), {
      description:
        "Capabilities beyond Docker's default set its worker gives tasks (`--allow-cap`; `ALL`: any); absent: " +
        'an older manager.',
    }),
  ),
  version: Type.Optional(
    Type.String({ description: "Its worker's Poseidon version; absent: a worker (or a manager) older than versions." }),
  ),
  hostId: Type.Optional(
    Type.String({
      description:
        "The machine its worker runs on (the worker's `--host-id`): the proxy connects directly to replicas of its " +
        'own host and through a tunnel to others. Absent: not known (an older worker or manager).',
    }),
  ),
  specFieldsUnread: Type.Optional(
    Type.Array(Type.String(), {
      description:
        "The manager's task spec fields its worker does not read (an older worker): a task that sets one is not " +
        'placed there. Absent: none, or not known.',
    }),
  ),
  portsInUse: Type.Array(Type.String(), {
    description:
      'Host ports something other than its tasks holds (other containers, processes on the host), as `8080/tcp` ' +
      '(every address) or `127.0.0.1:8080/tcp` (one address), ' +
      'as its worker last said: no task that asks for one of them by number is placed there.',
  }),
});
export type NodeStatusView = Static<typeof NodeStatusView>;
