import type { ClusterStatusView } from '../api/index.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { formatBytes } from '../units/index.js';
import { age, table } from './format.js';
import { toJson } from './terminal-text.js';

export type ClusterFlags = ClientFlags & { json?: boolean };

/** `poseidon cluster status`: the managers (the leader marked), then the store's members. */
export async function showClusterStatus(flags: ClusterFlags): Promise<void> {
  const status = await managerClient(flags).clusterStatus();
  process.stdout.write(flags.json === true ? `${toJson(status)}\n` : clusterText(status));
}

export function clusterText(s: ClusterStatusView, nowMs = Date.now()): string {
  const managers = table(
    ['MANAGER', 'URL', 'ROLE', 'SINCE'],
    s.managers.map((m) => [
      m.id.slice(0, 8),
      m.url,
      m.leader ? 'leader' : 'follower',
      m.since === null ? '-' : `${m.since} (${age(m.since, nowMs)} ago)`,
    ]),
  );
  const members = table(
    ['MEMBER', 'HEALTH', 'LEADER', 'VERSION', 'SIZE'],
    s.store.members.map((m) => [
      m.endpoint,
      m.healthy ? 'healthy' : 'unhealthy',
      m.leader ? 'yes' : 'no',
      m.version ?? '-',
      (m.dbSizeBytes === null ? '-' : formatBytes(m.dbSizeBytes)) + (m.error === null ? '' : ` (${m.error})`),
    ]),
  );
  const lines = [managers];
  if (s.leader === null) lines.push('no manager leads right now');
  lines.push('', `STORE (${s.store.kind})`, members);
  return `${lines.join('\n')}\n`;
}
