import type { StoreMemberView, StoreStatusView } from '../../api/index.js';

// Why no manager of a group leads, as the manager that answers `GET /status` sees it: what an
// operator asks first when the group stops taking writes. A leader needs etcd, and etcd a majority
// of its members: when fewer answer healthy, which ones answer (and what they say) and which do
// not is the answer; otherwise this manager may be cut off from etcd alone, or an election is on.

/** Why no manager leads: `outOfTouchMs` is how long etcd has not renewed this manager's lease (0: in touch). */
export function whyNoLeader(store: StoreStatusView, outOfTouchMs: number, leaseTtlSeconds: number): string {
  const { members } = store;
  const healthy = members.filter((m) => m.healthy).length;
  const need = Math.floor(members.length / 2) + 1;
  if (store.kind === 'etcd' && members.length > 0 && healthy < need) {
    const answering = members.filter((m) => !m.healthy && m.version !== null);
    const silent = members.filter((m) => m.version === null);
    const parts = [
      `etcd has no majority: ${healthy} of the ${members.length} members the managers were given (--store) ` +
        `${healthy === 1 ? 'is' : 'are'} healthy, and a leader needs ${need}`,
      ...answering.map((m) => `${m.endpoint} answers: ${m.error ?? 'unhealthy'}`),
      ...(silent.length === 0 ? [] : [`${names(silent)} ${silent.length === 1 ? 'does' : 'do'} not answer`]),
    ];
    return `${parts.join('; ')}; start the members that are down, or restore their network`;
  }
  if (outOfTouchMs > 0) {
    const seconds = Math.max(1, Math.round(outOfTouchMs / 1000));
    return (
      `this manager has not reached a majority of etcd's members for ${seconds}s though they answer its ` +
      'status probe: it cannot tell which manager leads; ask another manager'
    );
  }
  return `an election is under way: a leader that died or was cut off is replaced within about ${leaseTtlSeconds}s`;
}

function names(members: readonly StoreMemberView[]): string {
  const endpoints = members.map((m) => m.endpoint);
  if (endpoints.length <= 2) return endpoints.join(' and ');
  return `${endpoints.slice(0, -1).join(', ')} and ${endpoints.at(-1) ?? ''}`;
}
