import type { ServiceView } from '../api/index.js';
import { isGlobalMode, isJobMode, SERVICE_MODES, type ServiceModeName } from '../api/service-modes.js';
import type { ManagerClient } from '../client/index.js';
import { InvalidField, RemoteError } from '../errors/index.js';
import { readDocument } from '../files/index.js';
import { parseDuration } from '../units/index.js';
import { flagsGiven, namingFlags } from './field-flags.js';
import { nameFlag } from './flags.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { placementPrefsFlag } from './placement-pref.js';
import { imageTemplate, nameOfImage, type RunImageFlags } from './run-image.js';
import { serviceDetail } from './service-detail.js';
import {
  maxConcurrentFlag,
  noJobRestartAlways,
  noRolloutFlagsForJob,
  replicasFlag,
  updatedSpec,
  updateSettings,
  type RolloutFlags,
  type UpdateFlags,
} from './service-update.js';
import {
  HISTORY_FIELDS,
  isGlobal,
  isJob,
  modeName,
  serviceFormat,
  serviceTaskTable,
  type HistoryTask,
} from './service-format.js';
import { filterPairs } from './filter-flag.js';
import { rowFormat } from './row-format.js';
import { SERVICE_PS_TABLE, servicePsFields, servicePsFilter, servicePsRows } from './service-ps.js';
import { waitForJob, waitForReplicas, waitForRollout } from './service-wait.js';
import { idLines, printable, toJson } from './terminal-text.js';
import { eachOf, jsonOfEach, STDIO, type Output } from './each-name.js';
import { viewFormatOf } from './inspect-format.js';

export interface ServiceFlags extends ClientFlags {
  json?: boolean;
  /** ls and ps: the names or task ids alone, one a line (as docker service ls -q and ps -q). */
  quiet?: boolean;
  wait?: boolean;
  timeout?: string;
  /** ls and ps: `--format`, as docker's take it (service-format.ts, service-ps.ts); inspect: view-format.ts. */
  format?: string;
  /** ls: `-f name=PREFIX` and `mode=MODE`, as `docker service ls --filter` takes them; ps: service-ps.ts's. */
  filter?: string[];
  /** ps: `--no-trunc` (commander's false): whole task ids, as `docker service ps --no-trunc`. */
  trunc?: boolean;
}

export interface ServiceCreateFlags extends ServiceFlags, RunImageFlags, RolloutFlags {
  filename?: string;
  /** `--mode replicated|global|replicated-job|global-job`. */
  mode?: string;
  replicas?: string;
  /** `--max-concurrent N`: a replicated-job's tasks at once. */
  maxConcurrent?: string;
  /** `--placement-pref spread=node.labels.KEY`, repeatable: the first weighs most. */
  placementPref?: string[];
}

export interface ServiceUpdateFlags extends ServiceFlags, UpdateFlags {}

/**
 * `service web created (version 1, 2 replicas)`, `(version 1, global: 3 replicas)`, a job's
 * `(version 1, replicated job: 5 completions, 2 at a time)`; a `what` that names the version
 * already is not told it twice.
 */
function printService(s: ServiceView, flags: ServiceFlags, what: string, io: Output): void {
  const version = what.includes(`version ${s.version}`) ? '' : `version ${s.version}, `;
  io.out(`${flags.json === true ? toJson(s) : printable(`service ${s.name} ${what} (${version}${sizeText(s)})`)}\n`);
}

/** "2 replicas", "global: 3 replicas", "replicated job: 5 completions, 2 at a time", "global job: 3 nodes". */
export function sizeText(s: Pick<ServiceView, 'mode' | 'replicas' | 'spec'>): string {
  const n = s.replicas;
  if (s.mode === 'replicated-job') {
    const at = s.spec.maxConcurrent === undefined ? '' : `, ${s.spec.maxConcurrent} at a time`;
    return `replicated job: ${n} ${n === 1 ? 'completion' : 'completions'}${at}`;
  }
  if (s.mode === 'global-job') return `global job: ${n} ${n === 1 ? 'node' : 'nodes'}`;
  return `${isGlobal(s) ? 'global: ' : ''}${n} ${n === 1 ? 'replica' : 'replicas'}`;
}

/**
 * `--wait`: until all replicas are healthy (create, scale) or the rollout ends, and for a job until
 * its run ends; exit code 1 if it failed.
 */
async function waitIfAsked(
  client: ManagerClient,
  s: ServiceView,
  flags: ServiceFlags,
  io: Output,
  rollout?: 'completed' | 'rolled_back',
): Promise<void> {
  if (flags.wait !== true) return;
  const timeoutMs = parseDuration('--timeout', flags.timeout ?? '10m');
  const write = flags.json === true ? () => {} : (line: string) => io.out(`${printable(line)}\n`);
  const ok = isJob(s)
    ? await waitForJob(client, s.name, timeoutMs, write)
    : rollout !== undefined
      ? await waitForRollout(client, s.name, timeoutMs, write, rollout)
      : await waitForReplicas(client, s.name, timeoutMs, write, io);
  if (!ok) process.exitCode = 1;
}

/** `poseidon service create -f FILE [--wait]`. */
export async function createService(flags: ServiceFlags & { filename: string }, io: Output = STDIO): Promise<void> {
  await create(await readDocument(flags.filename), flags, undefined, io);
}

/**
 * `service create [--name N] [--mode M] [--replicas R] [flags] IMAGE [COMMAND...]`: the service
 * whose replicas are what `poseidon run` makes of the same flags (run-image.ts); named after the
 * image unless --name says otherwise.
 */
export async function createImageService(
  image: string,
  command: readonly string[],
  flags: ServiceCreateFlags,
  io: Output = STDIO,
): Promise<void> {
  const given = flagsGiven(flags, ['IMAGE', ...(command.length > 0 ? ['COMMAND'] : [])]);
  await create(imageServiceSpec(image, command, flags), flags, given, io);
}

/** The spec `service create IMAGE [COMMAND...]` sends, every flag checked first. */
export function imageServiceSpec(
  image: string,
  command: readonly string[],
  flags: ServiceCreateFlags,
): Record<string, unknown> {
  const mode = flags.mode === undefined ? undefined : modeFlag(flags.mode);
  const oneANode =
    mode === 'global-job'
      ? 'is for a replicated service or job; --mode global-job runs one task to completion on each node that ' +
        'meets the constraints'
      : 'is for a replicated service; --mode global runs one replica on each node that meets the constraints';
  if (isGlobalMode(mode) && flags.replicas !== undefined)
    throw new InvalidField('--replicas', `${oneANode}: leave --replicas out`);
  if (isGlobalMode(mode) && (flags.placementPref ?? []).length > 0)
    throw new InvalidField('--placement-pref', `${oneANode}: leave --placement-pref out`);
  if (flags.maxConcurrent !== undefined && mode !== 'replicated-job')
    throw new InvalidField(
      '--max-concurrent',
      'is for --mode replicated-job (how many of its tasks run at once), ' +
        `and this service is ${mode ?? 'replicated'}: leave --max-concurrent out`,
    );
  const maxConcurrent = flags.maxConcurrent === undefined ? undefined : maxConcurrentFlag(flags.maxConcurrent);
  if (isJobMode(mode)) {
    noRolloutFlagsForJob(flags, `a ${mode}`);
    noJobRestartAlways(flags.restart, `a ${mode}`);
  }
  const task = imageTemplate(image, command, flags);
  const name = nameFlag('--name', flags.name ?? nameOfImage(image));
  const replicas = flags.replicas === undefined ? undefined : replicasFlag(flags.replicas);
  const preferences = placementPrefsFlag('--placement-pref', flags.placementPref ?? []);
  const update = updateSettings(flags);
  return {
    name,
    // replicated is the default: said only when another, so a manager before global services takes it
    ...(mode === undefined || mode === 'replicated' ? {} : { mode }),
    ...(replicas === undefined ? {} : { replicas }),
    ...(maxConcurrent === undefined ? {} : { maxConcurrent }),
    task,
    // said only when given, so a manager before placement preferences takes the spec
    ...(preferences.length === 0 ? {} : { preferences }),
    ...(Object.keys(update).length === 0 ? {} : { update }),
  };
}

/** `--mode`: replicated, global, replicated-job or global-job, as `docker service create --mode` takes it. */
export function modeFlag(text: string): ServiceModeName {
  const mode = SERVICE_MODES.find((m) => m === text);
  if (mode === undefined)
    throw new InvalidField(
      '--mode',
      `is ${JSON.stringify(text)}; use ${SERVICE_MODES.slice(0, -1).join(', ')} or ${SERVICE_MODES.at(-1)}`,
    );
  return mode;
}

/** `given`: the flags that built the body (flagsGiven), which a refusal names; none for a file. */
async function create(
  body: unknown,
  flags: ServiceFlags,
  given: readonly string[] | undefined,
  io: Output,
): Promise<void> {
  const client = managerClient(flags);
  const s = await client.createService(body).catch((err: unknown) => {
    throw given === undefined ? existsHint(err, body) : namingFlags(existsHint(err, body), given, 'service');
  });
  printService(s, flags, 'created', io);
  await waitIfAsked(client, s, flags, io);
}

/** The manager's 409 names its API (`PUT /services/NAME`); here, the commands that change a service. */
function existsHint(err: unknown, body: unknown): unknown {
  const name = (body as { name?: unknown }).name;
  if (!(err instanceof RemoteError) || err.code !== 'service_exists' || typeof name !== 'string') return err;
  return new RemoteError(
    err.code,
    err.status,
    `a service named ${name} already exists; change it with poseidon service update ${name}, ` +
      `or remove it first with poseidon service rm ${name}`,
  );
}

export async function listServices(flags: ServiceFlags, io: Output = STDIO): Promise<void> {
  if (flags.json === true && flags.format !== undefined)
    throw new InvalidField(
      '--json',
      'and --format both say how to print: give one (--format json prints a line a service)',
    );
  const format = serviceFormat(flags.format); // refused before the manager is asked
  const kept = serviceFilter(flags.filter);
  const services = (await managerClient(flags).listServices()).filter(kept);
  if (flags.json === true) io.out(`${toJson(services)}\n`);
  else if (flags.quiet === true) io.out(idLines(services.map((s) => s.name)));
  else io.out(services.length === 0 && flags.format === undefined ? 'no services\n' : format.print(services));
}

/** `service ls -f name=PREFIX` (a name that starts so, as docker matches) and `mode=MODE`; repeated: any of them. */
function serviceFilter(given: readonly string[] | undefined): (s: ServiceView) => boolean {
  const pairs = filterPairs(given, ['name', 'mode'] as const, `name=PREFIX or mode=${SERVICE_MODES.join('|')}`);
  const names = pairs.filter(([k]) => k === 'name').map(([, v]) => v);
  const modes = pairs.filter(([k]) => k === 'mode').map(([, v]) => v);
  for (const mode of modes)
    if (!(SERVICE_MODES as readonly string[]).includes(mode))
      throw new InvalidField('--filter', `is "mode=${mode}"; use mode=${SERVICE_MODES.join(', mode=')}`);
  return (s) =>
    (names.length === 0 || names.some((n) => s.name.startsWith(n))) &&
    (modes.length === 0 || modes.includes(modeName(s)));
}

/**
 * `service inspect NAME...`: each view, spec and rollout included, and its discovery (VIP, DNS
 * names, ports, each replica's endpoint with its state): for people, or as JSON with --json. As
 * `docker service inspect` takes several, a name that matches nothing is said on stderr, the
 * others are still shown, and the exit status is then 1; --json prints one array for several.
 */
export async function inspectServices(
  names: readonly string[],
  flags: ServiceFlags,
  io: Output = STDIO,
): Promise<void> {
  const format = await viewFormatOf(flags);
  const client = managerClient(flags);
  const found = await eachOf(names, io, async (name) => {
    const [view, endpoints] = await Promise.all([client.getService(name), client.serviceEndpoints(name)]);
    const { service: _name, ...discovery } = endpoints;
    return { view, discovery };
  });
  const views = found.map(({ view, discovery }) => ({ ...view, discovery }));
  if (format !== undefined) io.out(format.print(views));
  else if (flags.json === true) io.out(jsonOfEach(names, views));
  else if (found.length > 0) {
    const nowMs = Date.now();
    // a blank line between two services, as volume inspect separates its volumes
    io.out(`${found.map(({ view, discovery }) => serviceDetail(view, discovery, nowMs)).join('\n\n')}\n`);
  }
}

/** `service ps NAME`: the live tasks of each slot, and in the table the ended ones each keeps. */
export async function serviceTasks(name: string, flags: ServiceFlags, io: Output = STDIO): Promise<void> {
  const client = managerClient(flags);
  // what --format and -f ask for is read before the manager is asked
  const fields = servicePsFields(flags.trunc === false);
  const format =
    flags.format === undefined || flags.quiet === true ? undefined : rowFormat(flags.format, fields, SERVICE_PS_TABLE);
  const kept = servicePsFilter(flags.filter);
  if (flags.json === true) {
    if (format !== undefined || flags.filter !== undefined)
      throw new InvalidField(
        '--json',
        'prints every task: --format and -f are for the lines (--format json prints a line a task)',
      );
    io.out(`${toJson(await client.serviceTasks(name))}\n`);
    return;
  }
  const [tasks, history] = await Promise.all([
    client.serviceTasks(name),
    client
      .listTasks({ service: name }, HISTORY_FIELDS)
      // a manager before the service filter: the live tasks alone
      .catch((err: unknown): HistoryTask[] => {
        if ((err as { code?: unknown } | null)?.code === 'invalid_request') return [];
        throw err;
      }),
  ]);
  const none = tasks.length === 0 && history.length === 0;
  if (none && flags.quiet !== true && format === undefined) {
    io.out(`service ${printable(name)} has no tasks\n`);
    return;
  }
  const rows = servicePsRows(tasks, history).filter(kept);
  if (flags.quiet === true)
    // each live task, then the ended ones the slots keep; -q wins over --format, as with docker
    io.out(idLines([...rows.filter((r) => r.live), ...rows.filter((r) => !r.live)].map((r) => r.id)));
  else if (format !== undefined) io.out(format.print(rows));
  else {
    // the table of the rows -f keeps (all of them without it), each ended task under its slot
    const shown = new Set(rows.map((r) => r.id));
    const [liveShown, endedShown] = [tasks.filter((t) => shown.has(t.id)), history.filter((t) => shown.has(t.id))];
    io.out(`${serviceTaskTable(liveShown, endedShown, flags.trunc === false)}\n`);
  }
}

/** `service scale NAME=N`. */
export async function scaleService(
  arg: string,
  replicas: string | undefined,
  flags: ServiceFlags,
  io: Output = STDIO,
): Promise<void> {
  const { name, count } = scaleArguments(arg, replicas);
  const client = managerClient(flags);
  const s = await client.scaleService(name, count);
  printService(s, flags, 'scaled', io);
  await waitIfAsked(client, s, flags, io);
}

/** `web=6`, as docker takes it, or `web 6`; the manager checks the name and the range. */
export function scaleArguments(arg: string, replicas: string | undefined): { name: string; count: number } {
  const m = replicas === undefined ? /^([^=]+)=(.*)$/.exec(arg) : [arg, arg, replicas];
  if (m === null) throw new InvalidField('NAME=REPLICAS', `is "${arg}"; use e.g. web=6 (or web 6)`);
  const [, name = '', count = ''] = m;
  if (replicas !== undefined && name.includes('='))
    throw new InvalidField('NAME', `is "${name}"; give web=6 or web 6, not both`);
  if (!/^[0-9]{1,6}$/.test(count)) throw new InvalidField('REPLICAS', `is "${count}"; use a whole number such as 6`);
  return { name, count: Number(count) };
}

/**
 * `service update NAME [--image I] [--env K=V]... [-f FILE]`: the file's spec (or the service's
 * own) with the flags applied on top. The manager decides whether it is a new version.
 */
export async function updateService(name: string, flags: ServiceUpdateFlags, io: Output = STDIO): Promise<void> {
  const client = managerClient(flags);
  const before = await client.getService(name).catch(() => undefined);
  const base =
    flags.filename !== undefined
      ? await readDocument(flags.filename)
      : (before ?? (await client.getService(name))).spec;
  const current = before ?? (flags.force === true ? await client.getService(name) : undefined);
  const spec = updatedSpec(base, flags, process.env, current?.spec.forceUpdate);
  const s = await client.updateService(name, spec).catch((err: unknown) => {
    throw namingFlags(err, flagsGiven(flags), 'service');
  });
  const changed = before === undefined || s.version !== before.version;
  if (isJob(s)) {
    // no rollout: a new version is the job run again, and --wait waits for that run (or the one
    // under way, when only the completions wanted changed) to end
    printService(s, flags, changed ? 'runs again' : 'updated (same version)', io);
    await waitIfAsked(client, s, flags, io);
    return;
  }
  printService(s, flags, changed ? `updating to version ${s.version}` : 'updated (same version)', io);
  if (changed) await waitIfAsked(client, s, flags, io, 'completed');
}

export async function rollbackService(name: string, flags: ServiceFlags, io: Output = STDIO): Promise<void> {
  const client = managerClient(flags);
  const s = await client.rollbackService(name);
  printService(s, flags, `rolling back to version ${s.version}`, io);
  await waitIfAsked(client, s, flags, io, 'rolled_back');
}

/**
 * `service rm A B C`, as docker's: each removed in turn; one that fails (not found) is said on
 * stderr while the rest go on, and the command exits 1.
 */
export async function removeServices(names: readonly string[], flags: ServiceFlags, io: Output = STDIO): Promise<void> {
  const client = managerClient(flags);
  for (const name of names) {
    try {
      printService(await client.removeService(name), flags, 'removed; its tasks are stopping', io);
    } catch (err) {
      if (names.length === 1) throw err;
      const { errorLine } = await import('./error-line.js');
      const line = await errorLine(err);
      if (line === undefined) throw err;
      io.err(line);
      process.exitCode = 1;
    }
  }
}
