import { Type } from '@sinclair/typebox';
import { DNS_LABEL_PATTERN } from '../task/index.js';

// Named volumes as the manager knows them: which node holds each (learned when a task that
// mounts it first runs there) and which tasks use it.

/** `DELETE /volumes/{name}`, `GET /volumes/{name}`. */
export const VolumeParams = Type.Object(
  { name: Type.String({ pattern: DNS_LABEL_PATTERN, maxLength: 63 }) },
  { additionalProperties: false },
);

/** A named volume as `GET /volumes` shows it. */
export interface VolumeView {
  name: string;
  /** The node that holds it, by name (its id when the node is unknown), and its id. */
  node: string;
  nodeId: string;
  /** Unfinished tasks that mount it (running, waiting to run or to restart); it cannot be removed while any does. */
  inUseBy: string[];
  /** When the manager learned of it: the first time a task that mounts it ran on its node. */
  createdAt: string;
}

/** The answer of `DELETE /volumes/{name}`. */
export interface RemovedVolumeView {
  name: string;
  node: string;
  nodeId: string;
}
