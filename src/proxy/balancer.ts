import type { EndpointView } from '../api/endpoints.js';
import { targetOf, type Target } from './mesh-route.js';
import type { SetAside } from './set-aside.js';

export type { Target } from './mesh-route.js';
export type BalanceMode = 'least-conn' | 'round-robin';

/**
 * Picks the replica for one new connection (tcp), request (http) or flow (udp) of one service port, among
 * the ready endpoints the table gives, skipping those already tried for this connection and,
 * while any other is left, those set aside. Least-connections compares the proxy's own open
 * connections per task (ties go round the list, so an idle service spreads its first clients);
 * round-robin goes round the ready list.
 */
export class Balancer {
  #next = 0;
  /** Targets of the last ready list seen: the table hands out the same array until it changes. */
  #ready: readonly EndpointView[] | undefined;
  #targets: Target[] = [];

  constructor(
    readonly mode: BalanceMode,
    readonly port: number,
    private readonly setAside: SetAside,
    private readonly openCount: (taskId: string) => number,
    /** The proxy's machine: replicas on others are reached through their worker. */
    private readonly hostId?: string,
    /** A udp port's replicas are set aside apart from the tcp port of the same number. */
    private readonly protocol: 'tcp' | 'udp' = 'tcp',
  ) {}

  // no array or object is made per pick: it runs once per http request
  pick(ready: readonly EndpointView[], tried: ReadonlySet<string>): Target | undefined {
    const targets = this.#targetsOf(ready);
    const anyTried = tried.size > 0; // the usual case: nothing tried yet, no set lookups
    let untried = 0;
    let usable = 0;
    for (const t of targets) {
      if (anyTried && tried.has(t.taskId)) continue;
      untried += 1;
      if (!this.setAside.isAside(t.key)) usable += 1;
    }
    // every replica set aside: trying one beats refusing the client outright
    const skipAside = usable > 0;
    const size = skipAside ? usable : untried;
    if (size === 0) return undefined;
    const start = this.#next++ % size;
    if (this.#next >= Number.MAX_SAFE_INTEGER) this.#next = 0;
    let best: Target | undefined;
    let bestCount = Infinity;
    // the pool (untried, and not aside when any other is left) is walked from its start-th member
    for (let i = 0, seen = 0; i < targets.length * 2 && seen < start + size; i++) {
      const t = targets[i % targets.length] as Target;
      if ((anyTried && tried.has(t.taskId)) || (skipAside && this.setAside.isAside(t.key))) continue;
      seen += 1;
      if (seen <= start) continue;
      if (this.mode === 'round-robin') return t;
      const count = this.openCount(t.taskId);
      if (count < bestCount) {
        best = t;
        bestCount = count;
      }
    }
    return best;
  }

  #targetsOf(ready: readonly EndpointView[]): Target[] {
    if (ready === this.#ready) return this.#targets;
    const targets: Target[] = [];
    for (const e of ready) {
      const target = targetOf(e, this.port, this.hostId, this.protocol);
      if (target !== undefined) targets.push(target);
    }
    this.#ready = ready;
    this.#targets = targets;
    return targets;
  }
}
