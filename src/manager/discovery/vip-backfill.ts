import type { Logger } from 'pino';
import type { KeyedLock } from '../../lock/index.js';
import type { ClusterState } from '../cluster-state.js';
import type { VipAllocator } from './vip-allocator.js';

/**
 * Gives a VIP to each service stored without one (written before discovery), in one commit under
 * the services lock, so that it is as durable as one given at create. A VIP outside today's
 * --vip-range is kept (a service's VIP never changes under it) and named in the log.
 */
export async function assignMissingVips(deps: {
  state: ClusterState;
  lock: KeyedLock;
  vips: VipAllocator;
  log: Logger;
  /** Each service that got one. */
  assigned(name: string): void;
}): Promise<void> {
  const { state, vips, log } = deps;
  for (const rec of state.services.values())
    if (rec.vip !== undefined && !vips.contains(rec.vip))
      log.warn({ service: rec.name, vip: rec.vip, range: vips.range }, 'service VIP outside --vip-range; kept');
  await deps.lock.run('services', async () => {
    const changes = state.newChanges();
    const names: string[] = [];
    for (const rec of state.services.values()) {
      if (rec.vip !== undefined) continue;
      changes.putService({ ...rec, vip: vips.allocate() });
      names.push(rec.name);
    }
    if (names.length === 0) return;
    await state.commit(changes);
    log.info({ services: names.length }, 'services stored without a VIP got one');
    for (const name of names) deps.assigned(name);
  });
}
