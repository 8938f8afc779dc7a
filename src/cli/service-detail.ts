import type {
  EndpointView,
  ServiceEndpointsView,
  ServicePortView,
  ServiceView,
  TaskTemplate,
  UpdateConfigSpec,
} from '../api/index.js';
import type { PortSpec } from '../task/index.js';
import { commandLine } from '../task/command-line.js';
import { portText as portShown } from '../task/port-text.js';
import { resolveFileRef } from '../task/file-limits.js';
import { age, detail, fileRows, ports, table } from './format.js';
import { duration, processRows, requestsText, runRows, type Row } from './spec-rows.js';
import { spreadText } from './placement-pref.js';
import { isGlobal, isJob, jobProgress, modeName, updateStateText } from './service-format.js';

// `poseidon service inspect NAME` for people: the spec in effect, its rollout and its discovery,
// as `poseidon status ID` shows a task. Scripts use --json (the view and discovery as they come).

type Discovery = Omit<ServiceEndpointsView, 'service'>;

/** "1 at a time, start-first, delay 0s, monitor 5s; on failure rollback (none may fail); deadline 10m". */
function rollout(u: UpdateConfigSpec | undefined, ofRollback = false): string {
  if (u === undefined) return '-';
  const parts: string[] = [];
  if (u.parallelism !== undefined) parts.push(`${u.parallelism} at a time`);
  if (u.order !== undefined) parts.push(u.order);
  if (u.delay !== undefined) parts.push(`delay ${duration(u.delay)}`);
  if (u.monitor !== undefined) parts.push(`monitor ${duration(u.monitor)}`);
  if (u.failureAction !== undefined) {
    const ratio = u.maxFailureRatio ?? 0;
    // a rollback that fails pauses (rollback_paused): it never rolls back again, whatever it says
    const action = ofRollback && u.failureAction === 'rollback' ? 'pause' : u.failureAction;
    parts.push(`on failure ${action} (${ratio === 0 ? 'none' : `${ratio * 100}%`} may fail)`);
  }
  if (u.progressDeadline !== undefined) parts.push(`deadline ${duration(u.progressDeadline)}`);
  return parts.join(', ');
}

/**
 * A port of the template: `18080->8080/tcp`, then what else it says in parentheses, its name (the
 * `_web._tcp` of its SRV record) first: `8080/http (name web)`, `5432/tcp (name db, not published)`.
 */
function portText(p: PortSpec): string {
  const notes = [
    ...(p.name === undefined ? [] : [`name ${p.name}`]),
    ...(p.publish === false ? ['not published'] : []),
  ];
  const port = portShown({
    container: p.container,
    host: p.host ?? 0,
    protocol: p.protocol ?? 'tcp',
    ...(p.hostIp === undefined ? {} : { hostIp: p.hostIp }),
  });
  return notes.length === 0 ? port : `${port} (${notes.join(', ')})`;
}

/**
 * A replica's ports, each named one with the name the service gives it: a port of protocol
 * `http` is TCP on the wire, as a replica reports it.
 */
function endpointPorts(list: EndpointView['ports'], named: readonly ServicePortView[]): string {
  const names = new Map<string, string>();
  for (const p of named) if (p.name !== null) names.set(`${p.port}/${p.protocol === 'udp' ? 'udp' : 'tcp'}`, p.name);
  return ports(list, (p) => names.get(`${p.container}/${p.protocol}`));
}

/** The template's rows: only what it sets beyond its image. */
function templateRows(t: TaskTemplate): Row[] {
  const rows: Row[] = [
    ['Command', t.command === undefined ? '(image default)' : commandLine(t.command)],
    ...processRows(t),
    ['Requests', requestsText(t)],
  ];
  if (t.ports !== undefined && t.ports.length > 0) rows.push(['Ports', t.ports.map(portText).join(', ')]);
  const files = [
    ...(t.secrets ?? []).map((r) => resolveFileRef('secret', r)),
    ...(t.configs ?? []).map((r) => resolveFileRef('config', r)),
  ];
  return [...rows, ...runRows(t), ...fileRows(files)];
}

function labels(l: Readonly<Record<string, string>> | undefined): string | undefined {
  const list = Object.entries(l ?? {}).map(([k, v]) => `${k}=${v}`);
  return list.length === 0 ? undefined : list.join(', ');
}

/**
 * "completed: version 1 → 2, 3/3 updated, 0 failed (started 2m ago, ended 1m ago)", or "-". A rollback's counts
 * are its own ("3/3 rolled back"): the failure that set it off is in its reason.
 */
function rolloutStatus(s: ServiceView, nowMs: number): string {
  const u = s.update;
  if (u === null) return '-';
  const ended = u.finishedAt === null ? `deadline ${u.deadline}` : `ended ${age(u.finishedAt, nowMs)} ago`;
  const rollback = u.state === 'rolling_back' || u.state === 'rolled_back' || u.state === 'rollback_paused';
  const counts = `${u.updated}/${u.total} ${rollback ? 'rolled back' : 'updated'}, ${u.failed} failed`;
  const line = `${updateStateText(u.state)}: version ${u.fromVersion} → ${u.toVersion}, ${counts}`;
  return `${line} (started ${age(u.startedAt, nowMs)} ago, ${ended})${u.reason === '' ? '' : `; ${u.reason}`}`;
}

const ONE_A_NODE = 'one on each node that meets its constraints';

/**
 * Replicas wanted, running and healthy; a job's tasks to complete and running now (whether one is
 * healthy says little of a task that is to end).
 */
function replicaRows(s: ServiceView, nowMs: number): Row[] {
  const where = isGlobal(s) ? ` (${ONE_A_NODE})` : '';
  if (!isJob(s)) return [['Replicas', `${s.replicas} wanted${where}, ${s.running} running, ${s.healthy} healthy`]];
  const rows: Row[] = [['Replicas', `${s.replicas} to complete${where}, ${s.running} running`]];
  if (s.spec.maxConcurrent !== undefined) rows.push(['Max concurrent', String(s.spec.maxConcurrent)]);
  const progress = jobProgress(s);
  if (progress !== undefined) {
    const finishedAt = s.job?.finishedAt ?? null;
    const ended = finishedAt === null ? '' : ` (ended ${age(finishedAt, nowMs)} ago)`;
    rows.push(['Job', `${progress}${ended}`]);
  }
  return rows;
}

/** The service, then a table of its endpoints (each replica discovery knows of). */
export function serviceDetail(s: ServiceView, d: Discovery, nowMs: number): string {
  const spec = s.spec;
  const job = isJob(s);
  const rows: Array<[string, string]> = [
    ['Name', s.name],
    ['Version', String(s.version)],
    ['Mode', modeName(s)],
    ...replicaRows(s, nowMs),
    ['Image', spec.task.image],
    ...templateRows(spec.task),
  ];
  const constraints = [...(spec.constraints ?? []), ...(spec.task.constraints ?? [])];
  if (constraints.length > 0) rows.push(['Constraints', constraints.join(', ')]);
  if (spec.preferences !== undefined && spec.preferences.length > 0)
    rows.push(['Spread', spreadText(spec.preferences)]);
  const own = labels(spec.labels);
  if (own !== undefined) rows.push(['Labels', own]);
  const taskLabels = labels(spec.task.labels);
  if (taskLabels !== undefined) rows.push(['Task labels', taskLabels]);
  // a job has no rollout: an update runs it again
  if (!job) rows.push(['Update', rollout(spec.update)], ['Rollback', rollout(spec.rollback, true)]);
  if (spec.drainTimeout !== undefined) rows.push(['Drain', duration(spec.drainTimeout)]);
  if (!job) rows.push(['Rollout', rolloutStatus(s, nowMs)]);
  rows.push(
    ['VIP', d.vip ?? s.vip ?? '-'],
    ['DNS', d.dnsNames.join(', ') || '-'],
    ['Created', `${s.createdAt} (${age(s.createdAt, nowMs)} ago)`],
    ['Updated', `${s.updatedAt} (${age(s.updatedAt, nowMs)} ago)`],
  );
  const endpoints =
    d.endpoints.length === 0
      ? 'no endpoints'
      : table(
          ['SLOT', 'TASK', 'VERSION', 'NODE', 'STATE', 'ADDRESS', 'PORTS'],
          [...d.endpoints]
            .sort((a, b) => a.slot - b.slot || a.version - b.version)
            .map((e) => [
              String(e.slot),
              e.taskId.slice(0, 8),
              String(e.version),
              e.node ?? '-',
              e.state,
              e.address ?? '-',
              endpointPorts(e.ports, d.ports),
            ]),
        );
  return `${detail(rows)}\n\n${endpoints}`;
}
