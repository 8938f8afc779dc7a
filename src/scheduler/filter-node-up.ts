import type { Filter } from './types.js';

export const NODE_DOWN = 'node down';
/**
 * A node this manager has not heard from since it started (or began to lead): not known to be
 * down, and no fact about it yet; it takes work once it beats.
 */
export const NODE_UNHEARD = 'node not heard from yet';
/** A node that beats but whose container engine does not answer (dockerd restarting). */
export const NODE_WITHOUT_ENGINE = 'node without a container engine';
/** A node whose worker said it is restarting: it takes no new work until it is back; its tasks stay. */
export const NODE_RESTARTING = 'node restarting';
/** A node an operator drained (`poseidon node drain`): it takes no new work. */
export const NODE_DRAINED = 'node drained';
/** A node an operator paused (`poseidon node update --availability pause`): no new work; its tasks stay. */
export const NODE_PAUSED = 'node paused';

/** A node that missed its heartbeats, or lost its engine, cannot take work; its other numbers are stale too. */
export const nodeUpFilter: Filter = {
  name: 'node-up',
  // down, drained or paused until it comes back or an operator acts; neverFits excepts what passes by itself
  lasting: true,
  reject: (_task, node) => (node.up ? null : (node.downReason ?? NODE_DOWN)),
};
