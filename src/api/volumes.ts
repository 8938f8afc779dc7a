import { Type, type Static } from '@sinclair/typebox';
import { DNS_LABEL_PATTERN } from '../task/index.js';
import { TaskStateView } from './views.js';

// Named volumes as the manager knows them: which node holds each (learned when a task that
// mounts it first runs there) and which tasks use it.

/** `DELETE /volumes/{name}`, `GET /volumes/{name}`. */
export const VolumeParams = Type.Object(
  { name: Type.String({ pattern: DNS_LABEL_PATTERN, maxLength: 63 }) },
  { additionalProperties: false },
);

const volumeFields = {
  name: Type.String(),
  node: Type.String({ description: 'The node that holds it, by name (its id when the node is unknown).' }),
  nodeId: Type.String(),
  inUseBy: Type.Array(Type.String(), {
    description: 'Unfinished tasks that mount it; it cannot be removed while any does.',
  }),
  createdAt: Type.String({ description: 'When a task that mounts it first ran on its node.' }),
};

/** A named volume as `GET /volumes` shows it. */
export const VolumeView = Type.Object(volumeFields);
export type VolumeView = Static<typeof VolumeView>;

/** A task that mounts a volume, as `GET /volumes/{name}` lists it: whose replica it is, and where it runs. */
export const VolumeUserView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  service: Type.Optional(Type.String({ description: "A service's replica: its service; absent for a plain task." })),
  slot: Type.Optional(Type.Integer()),
  state: TaskStateView,
  node: Type.Union([Type.String(), Type.Null()], { description: 'The node it is placed on; null while it waits.' }),
});
export type VolumeUserView = Static<typeof VolumeUserView>;

/** One named volume (`GET /volumes/{name}`): what `GET /volumes` shows, and each task in `inUseBy`. */
export const VolumeDetailView = Type.Object({
  ...volumeFields,
  users: Type.Array(VolumeUserView, {
    description: 'The tasks of inUseBy, in that order: a service replica is freed by its service, not by a stop.',
  }),
});
export type VolumeDetailView = Static<typeof VolumeDetailView>;

/** The answer of `DELETE /volumes/{name}`. */
export const RemovedVolumeView = Type.Object({ name: Type.String(), node: Type.String(), nodeId: Type.String() });
export type RemovedVolumeView = Static<typeof RemovedVolumeView>;
