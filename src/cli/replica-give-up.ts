import type { ServiceTaskView, ServiceView } from '../api/index.js';
import { PoseidonError } from '../errors/index.js';

// A replicas wait that nothing will end well: every slot's replica has failed until its restart
// policy gave up, and none is healthy. The service goes on replacing them (each new one
// fails the same way until someone changes the service), so the wait says so at once instead of
// waiting out its timeout (10 minutes by default), as `kubectl rollout status` would.

export class ReplicasGivingUp extends PoseidonError {
  /** The replica that gave up last: its output is what the user reads next. */
  readonly last: { id: string; name: string };

  constructor(name: string, slots: number, last: ServiceTaskView) {
    const why = last.lastExit?.reason ?? last.reason;
    const where = last.node === null ? '' : ` on ${last.node}`;
    const each = slots === 1 ? 'its replica' : `each of its ${slots} replicas`;
    super(
      'replicas_failing',
      `service ${name}: no replica became healthy: ${each} failed until its restart policy gave up; ` +
        `the last, ${last.name}${where}: ${why} (the service keeps replacing them: poseidon service ps ${name}, ` +
        `poseidon service logs ${name}; change it with poseidon service update ${name})`,
    );
    this.last = { id: last.id, name: last.name };
  }
}

/** Its restart policy gave up on it: it failed, and no restart is planned while it is still wanted. */
function gaveUp(s: ServiceView, t: ServiceTaskView): boolean {
  return t.version === s.version && t.desiredState === 'running' && t.state === 'Failed' && t.restartAt === null;
}

/**
 * The fatal check of a replicas wait (service create, scale): fails once, during the wait, a
 * replica of every slot of the service's version has been given up on by its restart policy, and
 * no replica is healthy at this look. A replica healthy now keeps the wait going (a slot that
 * failed on one node may do well on another); one that runs for a moment between crashes, and
 * counts as healthy without a check, only delays the end to a look that finds none.
 */
export function replicasGivingUp(
  name: string,
): (s: ServiceView, tasks: ServiceTaskView[]) => PoseidonError | undefined {
  const slotsGivenUp = new Set<number>();
  let last: ServiceTaskView | undefined;
  return (s, tasks) => {
    for (const t of tasks)
      if (gaveUp(s, t)) {
        slotsGivenUp.add(t.slot);
        last = t;
      }
    if (s.healthy > 0 || last === undefined || s.replicas === 0) return undefined;
    const slots = new Set(tasks.filter((t) => t.version === s.version).map((t) => t.slot));
    if (slots.size < s.replicas || [...slots].some((slot) => !slotsGivenUp.has(slot))) return undefined;
    return new ReplicasGivingUp(name, slots.size, last);
  };
}
