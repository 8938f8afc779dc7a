import type { EndpointView } from '../api/endpoints.js';
import type { SetAside } from './set-aside.js';

export type BalanceMode = 'least-conn' | 'round-robin';

/** A replica to connect to: its task and where it listens. */
export interface Target {
  taskId: string;
  address: string;
  port: number;
  /** `address:port`, the key replicas are set aside by. */
  key: string;
}

/**
 * Picks the replica for one new connection (tcp) or request (http) of one service port, among
 * the ready endpoints the table gives, skipping those already tried for this connection and,
 * while any other is left, those set aside. Least-connections compares the proxy's own open
 * connections per task (ties go round the list, so an idle service spreads its first clients);
 * round-robin goes round the ready list.
 */
export class Balancer {
  #next = 0;

  constructor(
    readonly mode: BalanceMode,
    readonly port: number,
    private readonly setAside: SetAside,
    private readonly openCount: (taskId: string) => number,
  ) {}

  pick(ready: readonly EndpointView[], tried: ReadonlySet<string>): Target | undefined {
    const untried: Target[] = [];
    for (const e of ready) {
      if (e.address === null || tried.has(e.taskId)) continue;
      untried.push({ taskId: e.taskId, address: e.address, port: this.port, key: `${e.address}:${this.port}` });
    }
    const usable = untried.filter((t) => !this.setAside.isAside(t.key));
    // every replica set aside: trying one beats refusing the client outright
    const pool = usable.length > 0 ? usable : untried;
    if (pool.length === 0) return undefined;
    const start = this.#next++ % pool.length;
    if (this.#next >= Number.MAX_SAFE_INTEGER) this.#next = 0;
    if (this.mode === 'round-robin') return pool[start];
    let best: Target | undefined;
    let bestCount = Infinity;
    for (let i = 0; i < pool.length; i++) {
      const t = pool[(start + i) % pool.length] as Target;
      const count = this.openCount(t.taskId);
      if (count < bestCount) {
        best = t;
        bestCount = count;
      }
    }
    return best;
  }
}
