import { Type, type Static } from '@sinclair/typebox';
import { DNS_LABEL_PATTERN } from '../task/index.js';

// Named volumes as the manager knows them: which node holds each (learned when a task that
// mounts it first runs there) and which tasks use it.

/** `DELETE /volumes/{name}`, `GET /volumes/{name}`. */
export const VolumeParams = Type.Object(
  { name: Type.String({ pattern: DNS_LABEL_PATTERN, maxLength: 63 }) },
  { additionalProperties: false },
);

/** A named volume as `GET /volumes` shows it. */
export const VolumeView = Type.Object({
  name: Type.String(),
  node: Type.String({ description: 'The node that holds it, by name (its id when the node is unknown).' }),
  nodeId: Type.String(),
  inUseBy: Type.Array(Type.String(), {
    description: 'Unfinished tasks that mount it; it cannot be removed while any does.',
  }),
  createdAt: Type.String({ description: 'When a task that mounts it first ran on its node.' }),
});
export type VolumeView = Static<typeof VolumeView>;

/** The answer of `DELETE /volumes/{name}`. */
export const RemovedVolumeView = Type.Object({ name: Type.String(), node: Type.String(), nodeId: Type.String() });
export type RemovedVolumeView = Static<typeof RemovedVolumeView>;
