import { Type, type Static } from '@sinclair/typebox';

// What the APIs return, as schemas: each yields the TypeScript type and the response schema that
// serializes it and describes it in GET /openapi.json. Field names are the contract: the CLI's
// --json prints the same names. A response schema also decides what is sent (a field it lacks is
// dropped), so a field added to a view is added here.

/** Pending → Scheduled → Running → Completed | Failed (src/task/state-machine.ts). */
export const TaskStateView = Type.Union(
  [
    Type.Literal('Pending'),
    Type.Literal('Scheduled'),
    Type.Literal('Running'),
    Type.Literal('Completed'),
    Type.Literal('Failed'),
  ],
  { description: 'Pending → Scheduled → Running → Completed | Failed' },
);

/** An ISO 8601 time, or null when it has not happened. */
export const TimeOrNull = Type.Union([Type.String(), Type.Null()]);

export const PortView = Type.Object({
  container: Type.Integer(),
  host: Type.Integer({ description: 'The host port actually bound; 0 until the container runs.' }),
  protocol: Type.Union([Type.Literal('tcp'), Type.Literal('udp')]),
  hostIp: Type.Optional(
    Type.String({
      description:
        'The one host address it is bound on, as the task asked (127.0.0.1); ' +
        'absent: where its worker publishes (--host).',
    }),
  ),
});
export type PortView = Static<typeof PortView>;

export const HealthStatus = Type.Union([
  Type.Literal('none'),
  Type.Literal('starting'),
  Type.Literal('healthy'),
  Type.Literal('unhealthy'),
]);
export type HealthStatus = Static<typeof HealthStatus>;

export const HealthView = Type.Object({
  status: HealthStatus,
  failures: Type.Integer(),
  lastOutput: Type.String(),
  lastCheckedAt: TimeOrNull,
});
export type HealthView = Static<typeof HealthView>;

export const StringMap = Type.Record(Type.String(), Type.String());

/** A task as a worker reports it. */
export const WorkerTaskView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  image: Type.String(),
  command: Type.Array(Type.String()),
  state: TaskStateView,
  generation: Type.Integer({ description: 'Placement generation (fencing); 0 for tasks started on the worker.' }),
  containerId: Type.Union([Type.String(), Type.Null()]),
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  reason: Type.String({ description: 'Why the task is in its state, in words ("exited with code 1").' }),
  errorCode: Type.Optional(
    Type.String({
      description:
        'Failed to start: the error code of why (image_unavailable, container_start_failed); absent otherwise.',
    }),
  ),
  ports: Type.Array(PortView),
  cpu: Type.Number({ description: 'Cores; 0 = no limit.' }),
  memory: Type.Integer({ description: 'Bytes; 0 = no limit.' }),
  disk: Type.Integer(),
  labels: StringMap,
  health: HealthView,
  address: Type.Optional(
    Type.String({ description: "The container's address on its host's Poseidon network; absent when unknown." }),
  ),
  startedAt: TimeOrNull,
  finishedAt: TimeOrNull,
  updatedAt: Type.String(),
});
export type WorkerTaskView = Static<typeof WorkerTaskView>;

export const TaskUsageView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  cpu: Type.Number({ description: 'Cores in use (1.0 = one core).' }),
  memoryBytes: Type.Integer(),
  memoryLimitBytes: Type.Integer(),
});
export type TaskUsageView = Static<typeof TaskUsageView>;

export const HostStatsView = Type.Object({
  cpuCores: Type.Number(),
  cpuUsage: Type.Number(),
  load: Type.Object({ load1: Type.Number(), load5: Type.Number(), load15: Type.Number() }),
  memory: Type.Object({ totalBytes: Type.Integer(), availableBytes: Type.Integer() }),
  disk: Type.Object({ path: Type.String(), totalBytes: Type.Integer(), freeBytes: Type.Integer() }),
  uptimeSeconds: Type.Number(),
});
export type HostStatsView = Static<typeof HostStatsView>;

export const WorkerStatsView = Type.Object({
  worker: Type.String(),
  host: HostStatsView,
  taskCount: Type.Integer(),
  tasksByState: Type.Record(Type.String(), Type.Integer()),
  tasks: Type.Array(TaskUsageView),
  revokedVersion: Type.Optional(
    Type.String({
      description:
        'The version of the revoked node ids the worker holds: a manager that polls it sends its list ' +
        '(PUT /revoked) when its own differs. Absent: an older worker.',
    }),
  ),
});
export type WorkerStatsView = Static<typeof WorkerStatsView>;
