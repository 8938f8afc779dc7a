import type { ManagerTaskView, NodeStatusView, PortView } from '../api/index.js';
import { formatBytes } from '../units/index.js';
import type { TableTask } from './task-table-fields.js';
import { commandLine } from '../task/command-line.js';
import { healthText } from '../task/health-text.js';
import { noContainerText } from '../task/no-container-text.js';
import { portText } from '../task/port-text.js';
import { labelsText } from '../task/labels-text.js';
import { lastExitAddsToReason } from '../task/last-exit.js';
import { modeText, type TaskFile } from '../task/file-limits.js';
import { printable } from './terminal-text.js';
import { constraintRows, cores, processRows, requestsText, runRows, type Row } from './spec-rows.js';
import { reasonDetail, reasonText } from './unplaceable.js';

export { cores };

// Output for people: aligned tables and short figures. Scripts use --json. Every cell and value
// may come from outside (a name, an image, a worker's reason) and is printed with its control
// characters escaped.

export function table(headers: readonly string[], cells: readonly (readonly string[])[]): string {
  // one pass to escape and measure, one to pad: `status` prints a row per task, a thousand and more
  const last = headers.length - 1;
  const widths = headers.map((h) => h.length);
  const rows: string[][] = new Array<string[]>(cells.length);
  for (let r = 0; r < cells.length; r++) {
    const row = (cells[r] ?? []).map(printable);
    for (let i = 0; i < last; i++) {
      const n = (row[i] ?? '').length;
      if (n > (widths[i] ?? 0)) widths[i] = n;
    }
    rows[r] = row;
  }
  const line = (row: readonly string[]): string => {
    let text = '';
    for (let i = 0; i < last; i++) text += `${(row[i] ?? '').padEnd(widths[i] ?? 0)}  `;
    return `${text}${row[last] ?? ''}`.trimEnd();
  };
  let out = line(headers);
  for (const row of rows) out += `\n${line(row)}`;
  return out;
}

export function age(fromIso: string, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - Date.parse(fromIso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/**
 * `18080->8080/tcp,127.0.0.1:5432->5432/tcp,9090/udp`, as `docker ps` shows ports; `nameOf` gives a
 * port's name (its SRV record's), shown after it as `service inspect`'s Ports line has it:
 * `18080->8080/tcp (name web)`.
 */
export function ports(
  list: readonly PortView[],
  nameOf: (p: PortView) => string | undefined = () => undefined,
): string {
  const text = (p: PortView): string => {
    // a port bound to no host port (yet) is the container's alone
    const port = portText(p);
    const name = nameOf(p);
    return name === undefined ? port : `${port} (name ${name})`;
  };
  return list.map(text).join(',') || '-';
}

/** "web/2": the service and slot of a replica; "-" for a plain task. */
function serviceSlot(t: TableTask): string {
  return t.service === undefined ? '-' : `${t.service}/${t.slot ?? '?'}`;
}

/** The task list; a SERVICE column (service/slot) when any task is a service's replica; whole ids with `noTrunc`. */
export function taskTable(tasks: readonly TableTask[], nowMs: number, noTrunc = false): string {
  const services = tasks.some((t) => t.service !== undefined);
  return table(
    ['ID', 'NAME', ...(services ? ['SERVICE'] : []), 'IMAGE', 'STATE', 'NODE', 'PORTS', 'RESTARTS', 'AGE', 'REASON'],
    tasks.map((t) => [
      noTrunc ? t.id : t.id.slice(0, 8),
      t.name,
      ...(services ? [serviceSlot(t)] : []),
      t.image,
      taskState(t),
      t.node ?? '-',
      taskPorts(t),
      String(t.restarts),
      age(t.submittedAt, nowMs),
      reasonText(t),
    ]),
  );
}

/** Its state, and "(stopping)" after it while a stop is under way: "Running (stopping)". */
export function taskState(t: Pick<TableTask, 'desiredState' | 'state'>): string {
  return t.desiredState === 'stopped' && (t.state === 'Running' || t.state === 'Scheduled')
    ? `${t.state} (stopping)`
    : t.state;
}

/** Its ports while it runs; as `docker ps -a`, an exited container binds nothing, whatever it bound while it ran. */
export function taskPorts(t: Pick<TableTask, 'state' | 'ports'>): string {
  return t.state === 'Running' ? ports(t.ports) : '-';
}

/**
 * `status TASK`'s Ports: what its container publishes while it runs, what it asks for before it
 * runs; once its container ended, none are published any more (as the Health row says).
 */
function portsDetail(t: Pick<ManagerTaskView, 'state' | 'containerId' | 'ports'>): string {
  if (t.ports.length === 0 || t.state === 'Running' || t.state === 'Pending' || t.state === 'Scheduled')
    return ports(t.ports);
  return noContainerText(t);
}

export function taskDetail(
  t: ManagerTaskView,
  nowMs: number,
  usage?: { cpu: number; memoryBytes: number } | null,
): string {
  const spec = t.spec;
  const rows: Row[] = [
    ['ID', t.id],
    ['Name', t.name],
    ...(t.service === undefined
      ? []
      : [['Service', `${t.service}, slot ${t.slot ?? '?'}, version ${t.version ?? '?'}`] as [string, string]]),
    ['Image', t.image],
    ['Command', t.command.length > 0 ? commandLine(t.command) : '(image default)'],
    // what its spec sets beyond the image (a manager older than `spec` in the view sends none)
    ...(spec === undefined ? [] : processRows(spec)),
    ['State', `${t.state} (desired: ${t.desiredState})`],
    ['Reason', reasonDetail(t)],
    ['Node', t.node ?? '-'],
    ['Container', t.containerId?.slice(0, 12) ?? '-'],
    ['Ports', portsDetail(t)],
    ['Labels', labelsText(t.labels)],
    ['Requests', requestsText(spec ?? t)],
    ...(spec === undefined ? [] : constraintRows(spec)),
    ...fileRows(t.files ?? []),
    ...(spec === undefined ? [] : runRows(spec)),
    ['Restarts', String(t.restarts)],
    ...lastExitRow(t, nowMs),
    ['Health', healthRow(t)],
    ['Exit code', t.exitCode === null ? '-' : String(t.exitCode)],
    ['Submitted', `${t.submittedAt} (${age(t.submittedAt, nowMs)} ago)`],
    ['Started', t.startedAt ?? '-'],
    ['Finished', t.finishedAt ?? '-'],
  ];
  if (usage !== undefined && usage !== null)
    rows.push(['Usage', `cpu ${(usage.cpu * 100).toFixed(1)}% of a core, memory ${formatBytes(usage.memoryBytes)}`]);
  return detail(rows);
}

/**
 * A row per secret or config a task, or a service's template, mounts:
 * `Secret:  db-pass at /run/secrets/db-pass, mode 0444, owner 0:0`.
 */
export function fileRows(files: readonly TaskFile[]): Array<[string, string]> {
  return files.map((f) => [
    f.kind === 'secret' ? 'Secret' : 'Config',
    `${f.source} at ${f.target}, mode ${modeText(f.mode)}, owner ${f.uid}:${f.gid}`,
  ]);
}

/** Its check's verdict and last output while it runs; once its container ended, none (healthText). */
function healthRow(t: ManagerTaskView): string {
  const shown = healthText(t, t.health.status);
  return t.state === 'Running' && t.health.lastOutput !== '' ? `${shown} (${t.health.lastOutput})` : shown;
}

/** Why its last copy ended, when its reason does not say it (lastExitAddsToReason). */
function lastExitRow(t: ManagerTaskView, nowMs: number): Array<[string, string]> {
  const last = t.lastExit;
  if (last === undefined || last === null || !lastExitAddsToReason(t)) return [];
  return [['Last exit', `${last.reason} (${age(last.at, nowMs)} ago)`]];
}

/** `Key:  value` lines, the values escaped and lined up after the longest key. */
export function detail(rows: ReadonlyArray<readonly [string, string]>): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${`${k}:`.padEnd(w + 2)}${printable(v)}`).join('\n');
}

/** "Up", "Up, restarting" while its worker restarts, "Up, engine unavailable 12s" while its engine does not answer. */
export function nodeState(n: NodeStatusView, nowMs: number): string {
  const engine = n.engine;
  // a manager from before drain sends no availability, one from before restarts no restarting
  const held = n.restarting === true ? `${n.state}, restarting` : n.state;
  const state = n.availability === 'drain' ? `${held}, drained` : n.availability === 'pause' ? `${held}, paused` : held;
  if (engine === null || engine === undefined || engine.available) return state;
  return `${state}, engine unavailable ${age(engine.since, nowMs)}`;
}
