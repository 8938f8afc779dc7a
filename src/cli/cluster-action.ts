import type { ClusterStatusView } from '../api/index.js';
import type { CopyView } from '../client/index.js';
import { STDIO, type Output } from './each-name.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { formatBytes } from '../units/index.js';
import { age, table } from './format.js';
import { toJson } from './terminal-text.js';

export type ClusterFlags = ClientFlags & { json?: boolean };

/** What `cluster status` shows: `GET /status`, and the copy of the follower that answered (`copy` in --json). */
export type ClusterShown = ClusterStatusView & { copy?: CopyView };

/** How long a manager of the command's list that the group does not list may take to answer /healthz. */
const PROBE_MS = 1_500;

/**
 * `poseidon cluster status`: the managers (the leader marked), then the store's members, as the
 * manager that answered sees them (each answers itself, leader or not). A manager the command was
 * given (--manager, POSEIDON_MANAGER, the saved login) that the group does not list is asked
 * whether it answers at all: one that does not is shown unreachable (a dead manager's
 * registration runs out with its lease, so the group alone would not show it). While no manager
 * leads, the managers listed are asked too (their registrations run out only once etcd has a
 * leader again), the line under them says why none leads, and the command exits 1. A follower
 * answers from its copy (the caller's token is checked against it): how current that copy is
 * (its etcd revision and, while the follower is cut off from etcd, for how long) is shown too.
 */
export async function showClusterStatus(flags: ClusterFlags, io: Output = STDIO): Promise<void> {
  const client = managerClient(flags);
  const answer = await client.clusterStatusAndCopy();
  const status: ClusterShown = answer.copy === undefined ? answer.status : { ...answer.status, copy: answer.copy };
  // the group takes no writes: a script's `if poseidon cluster status` sees it
  if (status.leader === null) process.exitCode = 1;
  if (flags.json === true) {
    io.out(`${toJson(status)}\n`);
    return;
  }
  const listed = status.managers.map((m) => m.url);
  const listedSet = new Set(listed.map(hrefOf));
  const others = client.http.urls.filter((u) => !listedSet.has(hrefOf(u)));
  const asked = status.leader === null ? [...listed, ...others] : others;
  const answers = await Promise.all(
    asked.map((url) =>
      managerClient({ ...flags, manager: url }, PROBE_MS)
        .http.request('GET', '/healthz')
        .then(
          () => true,
          () => false,
        ),
    ),
  );
  const silent = asked.filter((_, i) => answers[i] === false);
  io.out(
    clusterText(
      status,
      Date.now(),
      others.filter((u) => silent.includes(u)),
      listed.filter((u) => silent.includes(u)),
    ),
  );
}

/** A leader the manager that answered could not reach is still the leader key's holder: said both. */
function roleOf(m: ClusterStatusView['managers'][number], silent: readonly string[]): string {
  if (silent.includes(m.url)) return 'unreachable';
  if (!m.leader) return 'follower';
  return m.answers === false ? 'leader (unreachable)' : 'leader';
}

function hrefOf(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/**
 * The text of `cluster status`. `unreachable`: managers of the command's list the group does not
 * list, which did not answer; `silent`: managers the group lists that did not answer.
 */
export function clusterText(
  s: ClusterShown,
  nowMs = Date.now(),
  unreachable: readonly string[] = [],
  silent: readonly string[] = [],
): string {
  const managers = table(
    ['MANAGER', 'URL', 'ROLE', 'VERSION', 'SINCE'],
    [
      ...s.managers.map((m) => [
        m.id.slice(0, 8),
        m.url,
        roleOf(m, silent),
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
  const deaf = s.managers.find((m) => m.leader && m.answers === false);
  if (deaf !== undefined) {
    const seen = s.answeredBy === undefined ? '' : ` (as ${s.answeredBy.slice(0, 8)} sees it)`;
    lines.push(
      `the leader ${deaf.id.slice(0, 8)} holds the leader key in etcd but does not answer${seen}: ` +
        'if it died or is cut off, another manager leads once its lease runs out',
    );
  }
  if (s.leader === null) {
    const seen = s.answeredBy === undefined ? '' : ` (as ${s.answeredBy.slice(0, 8)} sees it)`;
    lines.push(`no manager leads right now${seen}${s.noLeader === undefined ? '' : `: ${s.noLeader}`}`);
  }
  if (s.copy !== undefined) lines.push(copyLine(s.copy, s.answeredBy, nowMs));
  lines.push('', `STORE (${s.store.kind})`, members);
  return `${lines.join('\n')}\n`;
}

/**
 * The follower's copy it answered from: its etcd revision, and while it is cut off from etcd how
 * old the copy is, "as of 12s ago", and what that means.
 */
function copyLine(copy: CopyView, answeredBy: string | undefined, nowMs: number): string {
  const who = answeredBy === undefined ? 'the follower that answered' : `follower ${answeredBy.slice(0, 8)}`;
  const head = `${who} answered from its copy, at etcd revision ${copy.revision}`;
  if (copy.ageSeconds === undefined) return head;
  const asOf = age(new Date(nowMs - copy.ageSeconds * 1000).toISOString(), nowMs);
  const missing = 'what changed since (a token revoked too) is not in it';
  return `${head}, as of ${asOf} ago: it is cut off from etcd, and ${missing}`;
}
