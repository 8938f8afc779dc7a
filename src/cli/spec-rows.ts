import { commandLine } from '../task/command-line.js';
import { extraHostParts, normalCapability } from '../task/container-rules.js';
import { DEFAULT_LOG_FILES, DEFAULT_LOG_SIZE_BYTES } from '../task/runtime-rules.js';
import { formatBytes, formatDuration, parseQuantity, QUANTITY_PATTERN } from '../units/index.js';

// The rows of a task's spec beyond its image, as `poseidon service inspect` shows a template,
// `poseidon status TASK` the spec a task runs and the web console's task page the same: only what
// the spec sets. Values are as written ("2s", "64Mi") or as the manager keeps them (milliseconds,
// bytes). The console bundles this module: what it loads loads nothing of Node's, and the spec's
// type is the fields read here (a TaskSpec or a service's TaskTemplate is one), not src/api's.

type Duration = string | number;
type Quantity = string | number;

/** A spec's health check, as these rows read it. */
interface HealthCheck {
  type: 'http' | 'tcp' | 'exec';
  port?: number;
  path?: string;
  command?: readonly string[];
  interval?: Duration;
  timeout?: Duration;
  failureThreshold?: number;
  startPeriod?: Duration;
}

/** A spec's restart policy, as written (a backoff of one duration, or doubling) or in full. */
interface RestartPolicy {
  mode: 'never' | 'on-failure' | 'always';
  maxRestarts?: number | null;
  backoff?: Duration | { initial?: Duration; max?: Duration };
  resetAfter?: Duration;
}

/** The fields of a task's spec (or a service's template) these rows read. */
export interface SpecFields {
  pull?: 'missing' | 'always' | 'never';
  entrypoint?: readonly string[];
  user?: string;
  workdir?: string;
  stopSignal?: string;
  stopGracePeriod?: Duration;
  readOnlyRootfs?: boolean;
  /** Its names alone are read: a value may be a secret. */
  env?: Readonly<Record<string, unknown>>;
  cpu?: number;
  cpuLimit?: number;
  pidsLimit?: number;
  memory?: Quantity;
  constraints?: readonly string[];
  healthCheck?: HealthCheck;
  imageHealthCheck?: boolean;
  restartPolicy?: RestartPolicy;
  volumes?: ReadonlyArray<{ name?: string; hostPath?: string; path: string; readOnly?: boolean }>;
  tmpfs?: ReadonlyArray<{ path: string; size?: Quantity }>;
  hostname?: string;
  extraHosts?: readonly string[];
  shmSize?: Quantity;
  ulimits?: Readonly<Record<string, number | { soft: number; hard: number }>>;
  capAdd?: readonly string[];
  capDrop?: readonly string[];
  sysctls?: Readonly<Record<string, string | number>>;
  groupAdd?: readonly string[];
  logs?: { maxSize?: Quantity; maxFiles?: number };
}
export type Row = [string, string];

/** Cores for people: 2, 0.5, 0.25. */
export function cores(n: number): string {
  const rounded = Number(n.toFixed(2));
  // a share too small for two decimals keeps two significant digits (0.004), instead of "0"
  return String(rounded === 0 && Math.abs(n) >= 1e-6 ? Number(n.toPrecision(2)) : rounded);
}

/** A duration as written ("2s"), or as the manager keeps it (milliseconds, 5000 -> "5s"). */
export function duration(d: Duration): string {
  return typeof d === 'number' ? formatDuration(d) : d;
}

/** A quantity as written ("256Mi"), or as bytes ("256 MiB"). */
export function quantity(q: Quantity): string {
  return typeof q === 'number' ? formatBytes(q) : q;
}

/**
 * A size in bytes for people ("64Mi" and 67108864 are both "64 MiB"); what does not read as one
 * (a spec stored before the 4 PiB cap among them), as written.
 */
function size(q: Quantity): string {
  if (typeof q === 'number') return formatBytes(q);
  if (!new RegExp(QUANTITY_PATTERN).test(q)) return q;
  try {
    return formatBytes(parseQuantity('size', q));
  } catch {
    return q;
  }
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

/** "on-failure, at most 3, backoff 1s doubling to 1m"; "never" alone, as nothing else applies then. */
function restartPolicy(r: RestartPolicy): string {
  if (r.mode === 'never') return 'never';
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

/** "SIGINT, then SIGKILL after 30s": what a stop does, when the spec says any of it. */
function stopText(t: SpecFields): string | undefined {
  if (t.stopSignal === undefined && t.stopGracePeriod === undefined) return undefined;
  const signal = t.stopSignal ?? "the image's STOPSIGNAL (else SIGTERM)";
  const grace = t.stopGracePeriod === undefined ? "the worker's --stop-grace" : duration(t.stopGracePeriod);
  return `${signal}, then SIGKILL after ${grace}`;
}

/** When workers pull its image, other than when a node lacks it (the default: no row). */
const PULL_TEXT = { always: 'always (before each start)', never: 'never (the image must be on the node)' } as const;

/**
 * When its image is pulled and how its process runs and stops, beyond the defaults and the image's:
 * pull, entrypoint, user, workdir, stop, a read-only root; env names.
 */
export function processRows(t: SpecFields): Row[] {
  const rows: Row[] = [];
  if (t.pull !== undefined && t.pull !== 'missing') rows.push(['Pull', PULL_TEXT[t.pull]]);
  if (t.entrypoint !== undefined)
    rows.push(['Entrypoint', t.entrypoint.length === 0 ? 'none (the command runs alone)' : commandLine(t.entrypoint)]);
  if (t.user !== undefined) rows.push(['User', t.user]);
  if (t.workdir !== undefined) rows.push(['Workdir', t.workdir]);
  const stop = stopText(t);
  if (stop !== undefined) rows.push(['Stop', stop]);
  if (t.readOnlyRootfs === true) rows.push(['Root filesystem', 'read-only']);
  // names only: values may be secrets, and --json shows them to whoever asks for them
  if (t.env !== undefined && Object.keys(t.env).length > 0) rows.push(['Env', Object.keys(t.env).join(', ')]);
  return rows;
}

/** "cpu 0.5 (at most 1), memory 64Mi": what it asks for, and its hard cpu limit when it has one. */
export function requestsText(t: Pick<SpecFields, 'cpu' | 'cpuLimit' | 'memory'>): string {
  const cpu = t.cpu === undefined || t.cpu === 0 ? 'any' : cores(t.cpu);
  const limit = t.cpuLimit === undefined ? '' : ` (at most ${cores(t.cpuLimit)})`;
  const memory = t.memory === undefined || t.memory === 0 ? 'any' : quantity(t.memory);
  return `cpu ${cpu}${limit}, memory ${memory}`;
}

/** "nofile=1024:65536, nproc=512, memlock=unlimited": as `--ulimit` takes them, by name. */
function ulimits(u: NonNullable<SpecFields['ulimits']>): string {
  const limit = (n: number): string => (n === -1 ? 'unlimited' : String(n));
  return Object.entries(u)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, v]) => {
      const { soft, hard } = typeof v === 'number' ? { soft: v, hard: v } : v;
      return soft === hard ? `${name}=${limit(soft)}` : `${name}=${limit(soft)}:${limit(hard)}`;
    })
    .join(', ');
}

/** An /etc/hosts entry as `NAME:ADDRESS` (its address as the manager, which checked it, keeps it); else as written. */
function extraHostText(text: string): string {
  const entry = extraHostParts(text);
  return entry === undefined ? text : `${entry.name}:${entry.address}`;
}

/** "net.core.somaxconn=1024, net.ipv4.ip_unprivileged_port_start=80": as `--sysctl` takes them, by name. */
function sysctls(s: NonNullable<SpecFields['sysctls']>): string {
  return Object.keys(s)
    .sort()
    .map((name) => `${name}=${s[name]}`)
    .join(', ');
}

/** "50 MiB × 5 files": when its log is cut and how many files are kept, the default for what it leaves out. */
function logs(l: NonNullable<SpecFields['logs']>): string {
  const files = l.maxFiles ?? DEFAULT_LOG_FILES;
  return `${size(l.maxSize ?? DEFAULT_LOG_SIZE_BYTES)} × ${files} ${files === 1 ? 'file' : 'files'}`;
}

/**
 * Its health check, restart policy, volumes and tmpfs mounts, and its container's host name,
 * /etc/hosts entries, /dev/shm size, ulimits, pids limit, capabilities (+ added, - dropped), sysctls,
 * supplementary groups and log rotation: those it sets.
 */
export function runRows(t: SpecFields): Row[] {
  const rows: Row[] = [];
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
  if (t.hostname !== undefined) rows.push(['Hostname', t.hostname]);
  // as the manager reads them (db=10.0.0.5 is db:10.0.0.5, cap_net_admin NET_ADMIN), whatever the file wrote
  if (t.extraHosts !== undefined && t.extraHosts.length > 0)
    rows.push(['Extra hosts', t.extraHosts.map(extraHostText).join(', ')]);
  if (t.shmSize !== undefined) rows.push(['Shm size', size(t.shmSize)]);
  if (t.ulimits !== undefined && Object.keys(t.ulimits).length > 0) rows.push(['Ulimits', ulimits(t.ulimits)]);
  if (t.pidsLimit !== undefined) rows.push(['Pids limit', String(t.pidsLimit)]);
  const cap = (c: string): string => normalCapability(c) ?? c;
  const caps = [...(t.capAdd ?? []).map((c) => `+${cap(c)}`), ...(t.capDrop ?? []).map((c) => `-${cap(c)}`)];
  if (caps.length > 0) rows.push(['Capabilities', caps.join(', ')]);
  if (t.sysctls !== undefined && Object.keys(t.sysctls).length > 0) rows.push(['Sysctls', sysctls(t.sysctls)]);
  if (t.groupAdd !== undefined && t.groupAdd.length > 0) rows.push(['Groups', t.groupAdd.join(', ')]);
  if (t.logs !== undefined) rows.push(['Logs', logs(t.logs)]);
  return rows;
}

/** "node.labels.zone == a, node.name != n2": the rules its node must meet, when it has any. */
export function constraintRows(t: SpecFields): Row[] {
  return t.constraints === undefined || t.constraints.length === 0 ? [] : [['Constraints', t.constraints.join(', ')]];
}

/**
 * Every row of a task's spec that `poseidon status TASK` prints, in its order (it prints others
 * between them: state, node, ports, mounts): what the web console's task page lists.
 */
export function specRows(t: SpecFields): Row[] {
  return [...processRows(t), ['Requests', requestsText(t)], ...constraintRows(t), ...runRows(t)];
}
