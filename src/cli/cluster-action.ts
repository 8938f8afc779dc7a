import type { ClusterStatusView } from '../api/index.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { formatBytes } from '../units/index.js';
import { age, table } from './format.js';
import { toJson } from './terminal-text.js';

export type ClusterFlags = ClientFlags & { json?: boolean };

/** How long a manager of the command's list that the group does not list may take to answer /healthz. */
const PROBE_MS = 1_500;

/**
 * `poseidon cluster status`: the managers (the leader marked), then the store's members. A
 * manager the command was given (--manager, POSEIDON_MANAGER, the saved login) that the group
 * does not list is asked whether it answers at all: one that does not is shown unreachable (a
 * dead manager's registration runs out with its lease, so the group alone would not show it).
 */
export async function showClusterStatus(flags: ClusterFlags): Promise<void> {
  const client = managerClient(flags);
  const status = await client.clusterStatus();
  if (flags.json === true) {
    process.stdout.write(`${toJson(status)}\n`);
    return;
  }
  const listed = new Set(status.managers.map((m) => hrefOf(m.url)));
  const others = client.http.urls.filter((u) => !listed.has(hrefOf(u)));
  const answers = await Promise.all(
    others.map((url) =>
      managerClient({ ...flags, manager: url }, PROBE_MS)
        .http.request('GET', '/healthz')
        .then(
          () => true,
          () => false,
        ),
    ),
  );
  process.stdout.write(
    clusterText(
      status,
      Date.now(),
      others.filter((_, i) => answers[i] === false),
    ),
  );
}

function hrefOf(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

export function clusterText(s: ClusterStatusView, nowMs = Date.now(), unreachable: readonly string[] = []): string {
  const managers = table(
    ['MANAGER', 'URL', 'ROLE', 'VERSION', 'SINCE'],
    [
      ...s.managers.map((m) => [
        m.id.slice(0, 8),
        m.url,
        m.leader ? 'leader' : 'follower',
        m.version ?? '-', // managers older than versions say none
        m.since === null ? '-' : `${m.since} (${age(m.since, nowMs)} ago)`,
      ]),
      ...unreachable.map((url) => ['-', url, 'unreachable', '-', '-']),
    ],
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
