import type { RemovedNodeView } from '../api/index.js';
import { refuseIfExclusive } from './exclusive.js';
import type { ManagerParts } from './wiring.js';

/**
 * Removes a node (by id or name) at once: its certificate is refused from the moment this
 * resolves, its tasks are placed elsewhere, and its worker is asked (once, best effort) to stop
 * the copies it ran, so none runs twice if it is still up. A node running an exclusive task is
 * refused unless `dead` says its machine is gone (exclusive.ts).
 */
export async function removeNode(p: ManagerParts, idOrName: string, dead: boolean): Promise<RemovedNodeView> {
  const { nodes, state, dispatcher, placer } = p;
  const entry = nodes.resolve(idOrName);
  const nodeId = entry.record.id;
  if (!dead) refuseIfExclusive(entry.record.name, placer.pool.of(nodeId).tasks, (id) => state.task(id));
  for (const id of placer.pool.of(nodeId).tasks) {
    const rec = state.task(id);
    if (rec !== undefined && rec.nodeId === nodeId)
      dispatcher.stopCopy(nodeId, id, rec.generation, 'its node was removed from the cluster');
  }
  // every certificate issued to it before now expires within one lifetime: its entry may go then
  const removed = await nodes.remove(nodeId, new Date(p.clock.now() + p.certTtlMs).toISOString());
  await p.volumes.forgetNode(nodeId); // its tasks may go elsewhere, where their volumes start anew
  return removed;
}
