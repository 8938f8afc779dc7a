import { Type, type Static } from '@sinclair/typebox';

/** What can happen: `task.*` to a task, `node.*` to a node, `service.*` and `update.*` to a service. */
export const CLUSTER_EVENT_TYPES = [
  'task.submitted',
  'task.scheduled',
  'task.started',
  'task.exited',
  'task.unhealthy',
  'task.healthy',
  'task.restarting',
  'task.restarted',
  'task.gave-up',
  'task.lost',
  'task.stopped',
  'node.up',
  'node.down',
  'node.engine-down',
  'node.engine-up',
  'node.engine-lost',
  'node.removed',
  'node.drained',
  'node.paused',
  'node.activated',
  'node.updated',
  'task.moved',
  'service.created',
  'service.scaled',
  'service.removed',
  'update.started',
  'update.progress',
  'update.completed',
  'update.paused',
  'update.rolled_back',
] as const;
export type ClusterEventType = (typeof CLUSTER_EVENT_TYPES)[number];

/** What happened, as `GET /events` streams it (one JSON object a line) and `poseidon events` prints it. */
export const ClusterEvent = Type.Object({
  time: Type.String(),
  type: Type.Union(CLUSTER_EVENT_TYPES.map((t) => Type.Literal(t))),
  taskId: Type.Optional(Type.String()),
  taskName: Type.Optional(Type.String()),
  node: Type.Optional(Type.String()),
  state: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  exitCode: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  restarts: Type.Optional(Type.Integer()),
  delayMs: Type.Optional(Type.Number()),
  service: Type.Optional(Type.String({ description: 'Service events: the service.' })),
  version: Type.Optional(Type.Integer({ description: 'The version it runs.' })),
  replicas: Type.Optional(Type.Integer()),
  fromVersion: Type.Optional(Type.Integer({ description: "A rollout's versions and progress." })),
  toVersion: Type.Optional(Type.Integer()),
  updated: Type.Optional(Type.Integer()),
  total: Type.Optional(Type.Integer()),
});
export type ClusterEvent = Static<typeof ClusterEvent>;
