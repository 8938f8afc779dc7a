import type { RemovedNodeView } from '../api/index.js';
import { refuseIfExclusive } from './exclusive.js';
import type { ManagerParts } from './wiring.js';

/**
 * Removes a node (by id or name) at once: its certificate is refused from the moment this
 * resolves, its tasks are placed elsewhere, and its worker is asked (once, best effort) to stop
 * the copies it ran, so none runs twice if it is still up. A node running an exclusive task is
 * refused unless `dead` says its machine is gone (exclusive.ts). A node id the cluster's CA
 * issued a certificate to that never registered (a static worker never polled) has only its
 * certificate revoked.
 */
export async function removeNode(p: ManagerParts, idOrName: string, dead: boolean): Promise<RemovedNodeView> {
  const { nodes, state, dispatcher, placer } = p;
  if (!nodes.has(idOrName) && state.issued.has(idOrName) && !state.revoked.has(idOrName))
    return nodes.revokeUnregistered(idOrName, certsExpireAt(p, idOrName));
  const entry = nodes.resolve(idOrName);
  const nodeId = entry.record.id;
  if (!dead) refuseIfExclusive(entry.record.name, placer.pool.of(nodeId).tasks, (id) => state.task(id));
  for (const id of placer.pool.of(nodeId).tasks) {
    const rec = state.task(id);
    if (rec !== undefined && rec.nodeId === nodeId)
      dispatcher.stopCopy(nodeId, id, rec.generation, 'its node was removed from the cluster');
  }
  const removed = await nodes.remove(nodeId, (id) => certsExpireAt(p, id));
  await p.volumes.forgetNode(nodeId); // its tasks may go elsewhere, where their volumes start anew
  return removed;
}

/**
 * When every certificate issued to `nodeId` has expired: the last one the CA issued it (as
 * recorded, whatever `--cert-ttl` was then), and no sooner than one lifetime from now (a
 * certificate issued before issuances were recorded).
 */
function certsExpireAt(p: Pick<ManagerParts, 'state' | 'clock' | 'certTtlMs'>, nodeId: string): string {
  const issued = p.state.issued.get(nodeId);
  const lifetime = p.clock.now() + p.certTtlMs;
  return new Date(Math.max(lifetime, issued === undefined ? 0 : Date.parse(issued.expiresAt))).toISOString();
}
