import type { ServiceEndpointsView, ServiceView, TaskTemplate, UpdateConfigSpec } from '../api/index.js';
import { commandLine } from '../task/command-line.js';
import { formatBytes, formatDuration, parseQuantity, QUANTITY_PATTERN } from '../units/index.js';
import { resolveFileRef } from '../task/file-limits.js';
import { age, cores, detail, fileRows, ports, table } from './format.js';
import { spreadText } from './placement-pref.js';
import { isGlobal } from './service-format.js';

// `poseidon service inspect NAME` for people: the spec in effect, its rollout and its discovery,
// as `poseidon status ID` shows a task. Scripts use --json (the view and discovery as they come).

type Duration = string | number;
type HealthCheck = NonNullable<TaskTemplate['healthCheck']>;
type RestartPolicy = NonNullable<TaskTemplate['restartPolicy']>;
type Discovery = Omit<ServiceEndpointsView, 'service'>;

/** A duration as written ("2s"), or as the manager keeps it (milliseconds, 5000 -> "5s"). */
function duration(d: Duration): string {
  return typeof d === 'number' ? formatDuration(d) : d;
}

/** A quantity as written ("256Mi"), or as bytes ("256 MiB"). */
function quantity(q: number | string): string {
  return typeof q === 'number' ? formatBytes(q) : q;
}

/** A size in bytes for people ("64Mi" and 67108864 are both "64 MiB"); what does not read as one, as written. */
function size(q: number | string): string {
  return typeof q === 'number' || new RegExp(QUANTITY_PATTERN).test(q) ? formatBytes(parseQuantity('size', q)) : q;
}

/** "1 at a time, start-first, delay 0s, monitor 5s; on failure rollback (none may fail); deadline 10m". */
function rollout(u: UpdateConfigSpec | undefined): string {
  if (u === undefined) return '-';
  const parts: string[] = [];
  if (u.parallelism !== undefined) parts.push(`${u.parallelism} at a time`);
  if (u.order !== undefined) parts.push(u.order);
  if (u.delay !== undefined) parts.push(`delay ${duration(u.delay)}`);
  if (u.monitor !== undefined) parts.push(`monitor ${duration(u.monitor)}`);
  if (u.failureAction !== undefined) {
    const ratio = u.maxFailureRatio ?? 0;
    parts.push(`on failure ${u.failureAction} (${ratio === 0 ? 'none' : `${ratio * 100}%`} may fail)`);
  }
  if (u.progressDeadline !== undefined) parts.push(`deadline ${duration(u.progressDeadline)}`);
  return parts.join(', ');
}

/** "exec /bin/sh -c 'wget …' every 2s, timeout 2s, unhealthy after 3 failures". */
function healthCheck(h: HealthCheck): string {
  let what: string = h.type;
  if (h.type === 'exec' && h.command !== undefined) what += ` ${commandLine(h.command)}`;
  if (h.type === 'http') what += ` :${h.port ?? '?'}${h.path ?? '/'}`;
  if (h.type === 'tcp') what += ` :${h.port ?? '?'}`;
  const parts = [what];
  if (h.interval !== undefined) parts.push(`every ${duration(h.interval)}`);
  if (h.timeout !== undefined) parts.push(`timeout ${duration(h.timeout)}`);
  if (h.failureThreshold !== undefined) parts.push(`unhealthy after ${h.failureThreshold} failures`);
  if (h.startPeriod !== undefined) parts.push(`start period ${duration(h.startPeriod)}`);
  return parts.join(', ');
}

/** "on-failure, at most 3 restarts, backoff 1s to 1m". */
function restartPolicy(r: RestartPolicy): string {
  const parts: string[] = [r.mode];
  if (r.maxRestarts !== undefined) parts.push(r.maxRestarts === null ? 'no limit' : `at most ${r.maxRestarts}`);
  const b = r.backoff;
  if (typeof b === 'string' || typeof b === 'number') parts.push(`backoff ${duration(b)}`);
  else if (b !== undefined) {
    const from = b.initial === undefined ? 'default' : duration(b.initial);
    parts.push(`backoff ${from} doubling to ${b.max === undefined ? 'default' : duration(b.max)}`);
  }
  if (r.resetAfter !== undefined) parts.push(`reset after ${duration(r.resetAfter)}`);
  return parts.join(', ');
}

/** "SIGINT, then SIGKILL after 30s": what a stop does, when the template says any of it. */
function stopText(t: TaskTemplate): string | undefined {
  if (t.stopSignal === undefined && t.stopGracePeriod === undefined) return undefined;
  const signal = t.stopSignal ?? "the image's STOPSIGNAL (else SIGTERM)";
  const grace = t.stopGracePeriod === undefined ? "the worker's --stop-grace" : duration(t.stopGracePeriod);
  return `${signal}, then SIGKILL after ${grace}`;
}

/** How its process runs and stops, beyond the image's: entrypoint, user, workdir, stop, a read-only root. */
function processRows(t: TaskTemplate): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  if (t.entrypoint !== undefined)
    rows.push(['Entrypoint', t.entrypoint.length === 0 ? 'none (the command runs alone)' : commandLine(t.entrypoint)]);
  if (t.user !== undefined) rows.push(['User', t.user]);
  if (t.workdir !== undefined) rows.push(['Workdir', t.workdir]);
  const stop = stopText(t);
  if (stop !== undefined) rows.push(['Stop', stop]);
  if (t.readOnlyRootfs === true) rows.push(['Root filesystem', 'read-only']);
  return rows;
}

/** The template's rows: only what it sets beyond its image. */
function templateRows(t: TaskTemplate): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['Command', t.command === undefined ? '(image default)' : commandLine(t.command)],
    ...processRows(t),
  ];
  // names only: values may be secrets, and --json shows them to whoever asks for them
  if (t.env !== undefined && Object.keys(t.env).length > 0) rows.push(['Env', Object.keys(t.env).join(', ')]);
  const cpu = t.cpu === undefined ? 'any' : cores(t.cpu);
  const limit = t.cpuLimit === undefined ? '' : ` (at most ${cores(t.cpuLimit)})`;
  rows.push(['Requests', `cpu ${cpu}${limit}, memory ${t.memory === undefined ? 'any' : quantity(t.memory)}`]);
  if (t.ports !== undefined && t.ports.length > 0)
    rows.push([
      'Ports',
      t.ports
        .map(
          (p) =>
            `${p.host !== undefined && p.host > 0 ? `${p.host}->` : ''}${p.container}/${p.protocol ?? 'tcp'}` +
            (p.publish === false ? ' (not published)' : ''),
        )
        .join(', '),
    ]);
  if (t.healthCheck !== undefined) rows.push(['Health check', healthCheck(t.healthCheck)]);
  else if (t.imageHealthCheck === false) rows.push(['Health check', "none (the image's HEALTHCHECK off)"]);
  if (t.restartPolicy !== undefined) rows.push(['Restart', restartPolicy(t.restartPolicy)]);
  if (t.volumes !== undefined && t.volumes.length > 0)
    rows.push([
      'Volumes',
      t.volumes
        .map((v) => `${v.name ?? v.hostPath ?? '?'}:${v.path}${v.readOnly === true ? ' (read-only)' : ''}`)
        .join(', '),
    ]);
  for (const m of t.tmpfs ?? []) rows.push(['Tmpfs', m.size === undefined ? m.path : `${m.path} (${size(m.size)})`]);
  const files = [
    ...(t.secrets ?? []).map((r) => resolveFileRef('secret', r)),
    ...(t.configs ?? []).map((r) => resolveFileRef('config', r)),
  ];
  return [...rows, ...fileRows(files)];
}

function labels(l: Readonly<Record<string, string>> | undefined): string | undefined {
  const list = Object.entries(l ?? {}).map(([k, v]) => `${k}=${v}`);
  return list.length === 0 ? undefined : list.join(', ');
}

/** "completed: version 1 → 2, 3/3 updated, 0 failed (started 2m ago, ended 1m ago)", or "-". */
function rolloutStatus(s: ServiceView, nowMs: number): string {
  const u = s.update;
  if (u === null) return '-';
  const ended = u.finishedAt === null ? `deadline ${u.deadline}` : `ended ${age(u.finishedAt, nowMs)} ago`;
  const counts = `${u.updated}/${u.total} updated, ${u.failed} failed`;
  const line = `${u.state}: version ${u.fromVersion} → ${u.toVersion}, ${counts}`;
  return `${line} (started ${age(u.startedAt, nowMs)} ago, ${ended})${u.reason === '' ? '' : `; ${u.reason}`}`;
}

const ONE_A_NODE = 'one on each node that meets its constraints';

/** The service, then a table of its endpoints (each replica discovery knows of). */
export function serviceDetail(s: ServiceView, d: Discovery, nowMs: number): string {
  const spec = s.spec;
  const rows: Array<[string, string]> = [
    ['Name', s.name],
    ['Version', String(s.version)],
    ['Mode', isGlobal(s) ? 'global' : 'replicated'],
    [
      'Replicas',
      `${s.replicas} wanted${isGlobal(s) ? ` (${ONE_A_NODE})` : ''}, ${s.running} running, ${s.healthy} healthy`,
    ],
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
  rows.push(['Update', rollout(spec.update)], ['Rollback', rollout(spec.rollback)]);
  if (spec.drainTimeout !== undefined) rows.push(['Drain', duration(spec.drainTimeout)]);
  rows.push(
    ['Rollout', rolloutStatus(s, nowMs)],
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
              ports(e.ports),
            ]),
        );
  return `${detail(rows)}\n\n${endpoints}`;
}
