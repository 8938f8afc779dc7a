import type { Filter } from './types.js';

export const NODE_DOWN = 'node down';

/** A node that missed its heartbeats cannot take work; its other numbers are stale too. */
export const nodeUpFilter: Filter = {
  name: 'node-up',
  reject: (_task, node) => (node.up ? null : NODE_DOWN),
};
