import type { ManagerTaskView, VolumeView } from '../api/index.js';
import { isGlobalMode } from '../api/service-modes.js';
import { InvalidField } from '../errors/index.js';
import { isTerminal, STOPPED_ON_REQUEST } from '../task/state-machine.js';
import type { ManagerClient } from '../client/manager-client.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { eachOf, jsonOfEach, STDIO, type Output } from './each-name.js';
import type { RowFormat } from './row-format.js';
import { viewFormatOf } from './inspect-format.js';
import { keptHere, stateOf, statusFilterOf } from './status-filter.js';
import { TASK_TABLE_FIELDS, type TableTask } from './task-table-fields.js';
import { idLines, printable, toJson } from './terminal-text.js';

export interface StatusFlags extends ClientFlags {
  json?: boolean;
  /** `-q`: the ids alone, one a line, as `docker ps -q` prints them (for xargs). */
  quiet?: boolean;
  state?: string;
  node?: string;
  service?: string;
  /** `-f KEY=VALUE`, as `docker ps --filter` takes it (status-filter.ts). */
  filter?: string[];
  /** `--no-trunc` (commander's false): whole task ids in the table and `--format`'s `.ID`, as docker ps'. */
  trunc?: boolean;
  /** `--format`, as `docker ps --format` takes it (row-format.ts, task-format.ts). */
  format?: string;
}
export type StopFlags = ClientFlags & { json?: boolean };
export type NodeFlags = ClientFlags & { json?: boolean; dead?: boolean; quiet?: boolean; format?: string };

/**
 * The tables' code (format.ts), imported beside a request rather than before it: its loading then
 * overlaps the manager's answer instead of delaying the question.
 */
function loadFormat(): Promise<typeof import('./format.js')> {
  return import('./format.js');
}

/** `--format`'s value read before the manager is asked (its fields loaded then), or undefined for the table. */
async function taskFormat(flags: StatusFlags): Promise<RowFormat<TableTask> | undefined> {
  if (flags.format === undefined || flags.quiet === true) return undefined; // -q wins, as with docker ps
  if (flags.json === true)
    throw new InvalidField(
      '--json',
      'and --format both say how to print: give one (--format json prints a line a task)',
    );
  const [{ rowFormat }, { taskFields, TASK_TABLE_TEMPLATE }] = await Promise.all([
    import('./row-format.js'),
    import('./task-format.js'),
  ]);
  return rowFormat(flags.format, taskFields(Date.now(), flags.trunc === false), TASK_TABLE_TEMPLATE);
}

/** `poseidon status [id]`: the task list, or one task with its cpu and memory use. */
export async function showStatus(id: string | undefined, flags: StatusFlags, io: Output = STDIO): Promise<void> {
  const client = managerClient(flags);
  if (id !== undefined) {
    // a --format it cannot read is refused before the manager is asked
    const view = flags.quiet === true ? undefined : await viewFormatOf(flags);
    const one = client.getTask(id).catch(async (err: unknown) => {
      const { serviceHint } = await import('./service-hint.js');
      throw await serviceHint(client, id, err, (s) => `poseidon service ps ${s} lists its replicas`);
    });
    if (flags.json === true || flags.quiet === true || view !== undefined) {
      const task = await one;
      if (view !== undefined) io.out(view.print([task]));
      else io.out(flags.json === true ? `${toJson(task)}\n` : `${printable(task.id)}\n`);
      return;
    }
    const [task, { taskDetail }] = await Promise.all([one, loadFormat()]);
    const usage = task.state === 'Running' ? await client.taskStats(task.id).catch(() => null) : null;
    io.out(`${taskDetail(task, Date.now(), usage)}\n`);
    return;
  }
  const wanted = statusFilterOf(flags);
  const state = wanted.state === undefined ? undefined : stateOf(wanted.state);
  const filter = {
    ...(state === undefined ? {} : { state }),
    ...(wanted.node === undefined ? {} : { node: wanted.node }),
    ...(wanted.service === undefined ? {} : { service: wanted.service }),
  };
  const kept = keptHere(wanted); // name= and id=: the manager is not asked them
  const format = await taskFormat(flags);
  if (flags.json === true) {
    const all = (await client.listTasks(filter)).filter(kept);
    if (all.length === 0) await checkFilterNames(client, wanted);
    io.out(`${toJson(all)}\n`);
    return;
  }
  if (flags.quiet === true) {
    const ids = (
      await client
        .listTasks(filter, ['id', 'name'])
        .catch((err: unknown): Promise<ReadonlyArray<{ id: string; name: string }>> =>
          isInvalidRequest(err) ? client.listTasks(filter) : Promise.reject(err),
        )
    ).filter(kept);
    if (ids.length === 0) await checkFilterNames(client, wanted);
    io.out(ids.map((t) => `${printable(t.id)}\n`).join(''));
    return;
  }
  // the table's fields alone: under half the answer to read and parse (a manager that predates
  // `fields` refuses it, and is asked again for whole tasks)
  const [answer, { taskTable }] = await Promise.all([
    client
      .listTasks(filter, TASK_TABLE_FIELDS)
      .catch((err: unknown): Promise<readonly TableTask[]> =>
        isInvalidRequest(err) ? client.listTasks(filter) : Promise.reject(err),
      ),
    loadFormat(),
  ]);
  const tasks = answer.filter(kept);
  if (tasks.length === 0) await checkFilterNames(client, wanted);
  if (format !== undefined) io.out(format.print(tasks));
  else io.out(tasks.length === 0 ? 'no tasks\n' : `${taskTable(tasks, Date.now(), flags.trunc === false)}\n`);
}

/**
 * No task under --node or --service: a name that matches no node or service is the mistake, said
 * as `node inspect` and `service ps` say it, rather than "no tasks".
 */
export async function checkFilterNames(
  client: Pick<ManagerClient, 'listNodes' | 'getService'>,
  flags: Pick<StatusFlags, 'node' | 'service'>,
): Promise<void> {
  if (flags.node !== undefined) {
    const [nodes, { findNode, NoSuchNode }] = await Promise.all([client.listNodes(), import('./node-detail.js')]);
    if (findNode(nodes, flags.node) === undefined) throw new NoSuchNode(flags.node, nodes);
  }
  if (flags.service !== undefined) await client.getService(flags.service);
}

export { stateOf };

function isInvalidRequest(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'invalid_request';
}

/**
 * `poseidon stop ID...`: each in turn. One that cannot be stopped (unknown, ambiguous) is said on
 * stderr and the others still stop, as `docker stop` does; the exit status is then 1. With one id
 * its failure is the command's, and `--json` prints that task; with several, an array.
 */
export async function stopTasks(ids: readonly string[], flags: StopFlags, io: Output = STDIO): Promise<void> {
  const client = managerClient(flags);
  const stop = (id: string): Promise<ManagerTaskView> =>
    client.stopTask(id).catch(async (err: unknown) => {
      const { serviceHint } = await import('./service-hint.js');
      throw await serviceHint(client, id, err, stopAdvice);
    });
  // a replica's line says how to run fewer, which depends on its service's mode, and when another
  // starts, which depends on its named volumes (asked once a service)
  const kinds = new Map<string, Promise<ReplicaKind>>();
  const line = async (task: ManagerTaskView): Promise<string> => {
    const service = task.service;
    if (service === undefined || isTerminal(task.state)) return stoppingLine(task);
    let kind = kinds.get(service);
    if (kind === undefined) {
      kind = client.getService(service).then(
        (s) => ({
          global: isGlobalMode(s.mode),
          ownData: (s.spec.task.volumes ?? []).some((v) => v.name !== undefined),
        }),
        () => ({ global: false, ownData: false }),
      );
      kinds.set(service, kind);
    }
    return stoppingLine(task, await kind);
  };
  if (ids.length === 1) {
    const task = await stop(ids[0] as string);
    io.out(flags.json === true ? `${toJson(task)}\n` : await line(task));
    return;
  }
  const stopped: ManagerTaskView[] = [];
  for (const id of ids) {
    try {
      const task = await stop(id);
      stopped.push(task);
      if (flags.json !== true) io.out(await line(task));
    } catch (err) {
      const { errorLine } = await import('./error-line.js');
      const line = await errorLine(err);
      if (line === undefined) throw err;
      io.err(line);
      process.exitCode = 1;
    }
  }
  if (flags.json === true) io.out(`${toJson(stopped)}\n`);
}

/** A service named to `stop`: its replicas are the service's to stop. */
function stopAdvice(service: string, _replicas: readonly string[], global: boolean): string {
  // a global service is not scaled: it runs on fewer nodes by a constraint
  return global
    ? `poseidon service rm ${service} removes it and its replicas (it is global: a constraint, ` +
        `poseidon service update ${service} --constraint-add RULE, runs it on fewer nodes)`
    : `poseidon service scale ${service} 0 stops its replicas, poseidon service rm ${service} removes it`;
}

/**
 * `ID stopping`; a service's replica is replaced by its service (it keeps its replicas), as
 * Swarm's are, so the line says that and how to run fewer. A task that had ended already says so,
 * with its state, when and why it ended (the stop leaves that as it was), and that no restart
 * follows, rather than "stopping"; exit 0, as `docker stop` of a stopped container.
 */
export function stoppingLine(
  task: Pick<ManagerTaskView, 'id' | 'service' | 'state' | 'reason'> & { finishedAt?: string | null },
  { global, ownData }: ReplicaKind = { global: false, ownData: false },
): string {
  const id = printable(task.id);
  if (isTerminal(task.state)) {
    // a manager older than this one marked an ended task's reason with the stop: not said twice
    const reason = task.reason.endsWith(`; ${STOPPED_ON_REQUEST}`)
      ? task.reason.slice(0, -`; ${STOPPED_ON_REQUEST}`.length)
      : task.reason;
    const at = task.finishedAt === undefined || task.finishedAt === null ? '' : ` at ${second(task.finishedAt)}`;
    return `${id} had already ended: ${task.state}${at} (${printable(reason)}); it is not restarted\n`;
  }
  if (task.service === undefined) return `${id} stopping\n`;
  const service = printable(task.service);
  const fewer = global
    ? `to run it on fewer nodes: poseidon service update ${service} --constraint-add RULE`
    : `to run fewer: poseidon service scale ${service} N`;
  // a slot's named volume is its data: its next replica waits for this one to end (no two write it)
  const next = ownData ? 'another in its place once this one has ended' : 'another in its place';
  return `${id} stopping; a replica of service ${service}, which starts ${next} (${fewer})\n`;
}

/** What a replica's stop line says of its service: global (no scaling), named volumes (the next waits). */
interface ReplicaKind {
  global: boolean;
  ownData: boolean;
}

/** `poseidon node` (`node ls`): the table, `--format` as `docker node ls` takes it, or the ids alone (-q). */
export async function showNodes(flags: NodeFlags, io: Output = STDIO): Promise<void> {
  const client = managerClient(flags);
  if (flags.json === true) {
    if (flags.format !== undefined)
      throw new InvalidField(
        '--json',
        'and --format both say how to print: give one (--format json prints a line a node)',
      );
    io.out(`${toJson(await client.listNodes())}\n`);
    return;
  }
  if (flags.quiet === true) {
    io.out(idLines((await client.listNodes()).map((n) => n.id)));
    return;
  }
  // a --format it cannot print fails this at once, whatever the manager answers
  const reading = import('./node-format.js').then(({ nodeFormat }) => nodeFormat(flags.format, Date.now()));
  const [format, nodes] = await Promise.all([reading, client.listNodes()]);
  io.out(nodes.length === 0 && flags.format === undefined ? 'no nodes have joined\n' : format.print(nodes));
}

/**
 * `poseidon node inspect NODE...`: each node (by name, id or a unique id prefix) and the tasks on
 * it. As `docker node inspect` takes several, a node that matches nothing is said on stderr, the
 * others are still shown, and the exit status is then 1; --json prints one array for several.
 */
export async function inspectNodes(names: readonly string[], flags: NodeFlags, io: Output = STDIO): Promise<void> {
  const view = await viewFormatOf(flags);
  const client = managerClient(flags);
  const [nodes, { findNode, nodeDetail, NoSuchNode }] = await Promise.all([
    client.listNodes(),
    import('./node-detail.js'),
  ]);
  const found = await eachOf(names, io, async (nameOrId) => {
    const node = findNode(nodes, nameOrId);
    if (node === undefined) throw new NoSuchNode(nameOrId, nodes);
    return node;
  });
  if (view !== undefined || flags.json === true) {
    io.out(view === undefined ? jsonOfEach(names, found) : view.print(found));
    return;
  }
  const details: string[] = [];
  for (const node of found) {
    const tasks = (await client.listTasks({ node: node.name })).filter((t) => !isTerminal(t.state));
    details.push(nodeDetail(node, tasks, Date.now()));
  }
  // a blank line between two nodes, as volume inspect separates its volumes
  if (details.length > 0) io.out(`${details.join('\n\n')}\n`);
}

/** `poseidon node rm NODE`: the node is removed and its certificate refused from now on. */
export async function removeNode(nameOrId: string, flags: NodeFlags, io: Output = STDIO): Promise<void> {
  const client = managerClient(flags);
  // read first: once removed, the manager forgets the node's volumes
  const volumes = flags.json === true ? [] : await client.listVolumes().catch(() => []);
  const removed = await client.removeNode(nameOrId, { dead: flags.dead === true });
  io.out(flags.json === true ? `${JSON.stringify(removed, null, 2)}\n` : removedNodeLines(removed, volumes));
}

/**
 * What `node rm` says: the node removed, and the volumes it held, which the manager forgets, so
 * the tasks that mount them start elsewhere with new, empty ones.
 */
export function removedNodeLines(
  removed: { name: string; nodeId: string },
  volumes: ReadonlyArray<Pick<VolumeView, 'name' | 'nodeId'>>,
): string {
  const lines = [`node ${printable(removed.name)} (${removed.nodeId}) removed; its certificate is refused from now on`];
  const held = volumes.filter((v) => v.nodeId === removed.nodeId).map((v) => printable(v.name));
  if (held.length > 0) {
    const one = held.length === 1;
    const named = held.length <= 5 ? held.join(', ') : `${held.slice(0, 5).join(', ')} and ${held.length - 5} more`;
    const [volume, is, it, fresh] = one
      ? ['volume', 'is', 'it', 'a new, empty one']
      : ['volumes', 'are', 'them', 'new, empty ones'];
    lines.push(
      `its ${volume} ${named} ${is} forgotten: tasks that mount ${it} start elsewhere with ${fresh} ` +
        '(the data stays on that machine)',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** "2026-12-01T14:03:27.123Z" -> "2026-12-01 14:03:27Z"; anything else as it came, printable. */
function second(iso: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z` : printable(iso);
}
