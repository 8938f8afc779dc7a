import { Type, type Static } from '@sinclair/typebox';
import { CLUSTER_EVENT_TYPES } from './event-types.js';

export { CLUSTER_EVENT_TYPES, type ClusterEventType } from './event-types.js';

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
  service: Type.Optional(
    Type.String({ description: "The service: of a service event, or of a replica's task event." }),
  ),
  version: Type.Optional(Type.Integer({ description: 'The version it runs.' })),
  replicas: Type.Optional(Type.Integer()),
  fromVersion: Type.Optional(Type.Integer({ description: "A rollout's versions and progress." })),
  toVersion: Type.Optional(Type.Integer()),
  updated: Type.Optional(Type.Integer()),
  total: Type.Optional(Type.Integer()),
});
export type ClusterEvent = Static<typeof ClusterEvent>;
