import type { ClusterStatusView } from '../api/index.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { printable, toJson } from './terminal-text.js';

export type ClusterFlags = ClientFlags & { json?: boolean };

/** `poseidon cluster status`: the managers (the leader marked), then the store's members. */
export async function showClusterStatus(flags: ClusterFlags): Promise<void> {
  const status = await managerClient(flags).clusterStatus();
  process.stdout.write(flags.json === true ? `${toJson(status)}\n` : clusterText(status));
}

export function clusterText(s: ClusterStatusView): string {
  const lines = ['MANAGER       URL                                 ROLE      SINCE'];
  for (const m of s.managers)
    lines.push(
      [
        printable(m.id.slice(0, 12)).padEnd(13),
        printable(m.url).padEnd(35),
        (m.leader ? 'leader' : 'follower').padEnd(9),
        m.since ?? '-',
      ].join(' '),
    );
  if (s.leader === null) lines.push('no manager leads right now');
  lines.push('', `STORE (${s.store.kind})`, 'MEMBER                              HEALTH     LEADER  VERSION  SIZE');
  for (const m of s.store.members)
    lines.push(
      [
        printable(m.endpoint).padEnd(35),
        (m.healthy ? 'healthy' : 'unhealthy').padEnd(10),
        (m.leader ? 'yes' : 'no').padEnd(7),
        (m.version ?? '-').padEnd(8),
        m.dbSizeBytes === null ? '-' : `${(m.dbSizeBytes / 1024 / 1024).toFixed(1)} MiB`,
        m.error === null ? '' : ` (${printable(m.error)})`,
      ].join(' '),
    );
  return `${lines.join('\n')}\n`;
}
