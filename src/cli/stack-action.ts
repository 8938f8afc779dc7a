import type { ServiceTaskView, ServiceView } from '../api/index.js';
import type { ManagerClient } from '../client/index.js';
import { jobCounts } from '../api/service-modes.js';
import { STACK_LABEL } from '../api/stack-label.js';
import { isNotFound, PoseidonError } from '../errors/index.js';
import { table } from './format.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { replicaRow, serviceTable } from './service-format.js';
import { idLines, printable, toJson } from './terminal-text.js';
import { STDIO, type Output } from './each-name.js';

// `poseidon stack ls|services|ps|rm`: what `poseidon deploy` made, as `docker stack` shows and
// removes it. A stack is the services labelled `poseidon.stack=<name>`; the manager knows no
// stacks, so these read and remove services.

export interface StackFlags extends ClientFlags {
  json?: boolean;
  /** ls, services and ps: the names or task ids alone, one a line (as docker stack's -q). */
  quiet?: boolean;
}

/** No service carries the stack's label: never deployed, removed, or a typo. */
export class StackNotFound extends PoseidonError {
  constructor(stack: string) {
    super(
      'service_not_found',
      `no stack ${printable(stack)}: no service was deployed under that name (poseidon stack ls lists the stacks)`,
    );
  }
}

/** Each stack's services, by stack name and then service name; services of no stack are left out. */
export function stacksOf(services: readonly ServiceView[]): Map<string, ServiceView[]> {
  const stacks = new Map<string, ServiceView[]>();
  for (const s of [...services].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const stack = s.spec.labels?.[STACK_LABEL];
    if (stack === undefined) continue;
    const of = stacks.get(stack);
    if (of === undefined) stacks.set(stack, [s]);
    else of.push(s);
  }
  return new Map([...stacks].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * `stack ls`: NAME, SERVICES, REPLICAS: healthy/wanted over its services that keep running, then its
 * jobs' runs together ("2/2, jobs 1/1 completed"): a job that completed has no task running, and is
 * not a replica missing.
 */
export function stackTable(stacks: ReadonlyMap<string, readonly ServiceView[]>): string {
  const sum = <T>(items: readonly T[], of: (item: T) => number): number => items.reduce((n, x) => n + of(x), 0);
  const rows = [...stacks].map(([name, services]) => {
    const lasting = services.filter((s) => s.job === undefined);
    const runs = services.flatMap((s) => (s.job === undefined ? [] : [s.job]));
    const parts = lasting.length === 0 ? [] : [`${sum(lasting, (s) => s.healthy)}/${sum(lasting, (s) => s.replicas)}`];
    if (runs.length > 0) {
      const together = { completed: sum(runs, (j) => j.completed), failed: sum(runs, (j) => j.failed) };
      parts.push(`jobs ${jobCounts({ ...together, total: sum(runs, (j) => j.total) })}`);
    }
    return [name, String(services.length), parts.join(', ')];
  });
  return table(['NAME', 'SERVICES', 'REPLICAS'], rows);
}

/** `stack ps`: every replica of the stack, service by service, slot by slot. */
export function stackTaskTable(tasks: readonly ServiceTaskView[]): string {
  const sorted = [...tasks].sort((a, b) =>
    a.service === b.service ? a.slot - b.slot : a.service < b.service ? -1 : 1,
  );
  return table(
    ['SERVICE', 'SLOT', 'TASK', 'VERSION', 'STATE', 'NODE', 'REASON'],
    sorted.map((t) => [t.service, ...replicaRow(t)]),
  );
}

async function servicesOf(client: ManagerClient, stack: string): Promise<ServiceView[]> {
  const services = stacksOf(await client.listServices()).get(stack);
  if (services === undefined) throw new StackNotFound(stack);
  return services;
}

export async function listStacks(flags: StackFlags, io: Output = STDIO): Promise<void> {
  const stacks = stacksOf(await managerClient(flags).listServices());
  if (flags.quiet === true) {
    io.out(idLines([...stacks.keys()]));
    return;
  }
  if (flags.json === true) {
    const views = [...stacks].map(([name, services]) => ({
      name,
      services: services.map((s) => s.name),
      replicas: services.reduce((n, s) => n + s.replicas, 0),
      healthy: services.reduce((n, s) => n + s.healthy, 0),
    }));
    io.out(`${toJson(views)}\n`);
  } else
    io.out(`${stacks.size === 0 ? 'no stacks (poseidon deploy makes one from a Compose file)' : stackTable(stacks)}\n`);
}

export async function stackServices(stack: string, flags: StackFlags, io: Output = STDIO): Promise<void> {
  const services = await servicesOf(managerClient(flags), stack);
  if (flags.quiet === true) io.out(idLines(services.map((s) => s.name)));
  else io.out(`${flags.json === true ? toJson(services) : serviceTable(services)}\n`);
}

export async function stackTasks(stack: string, flags: StackFlags, io: Output = STDIO): Promise<void> {
  const client = managerClient(flags);
  const services = await servicesOf(client, stack);
  const tasks = (await Promise.all(services.map((s) => client.serviceTasks(s.name)))).flat();
  if (flags.json === true) io.out(`${toJson(tasks)}\n`);
  else if (flags.quiet === true) io.out(idLines(tasks.map((t) => t.id)));
  else io.out(`${tasks.length === 0 ? `stack ${printable(stack)} has no tasks` : stackTaskTable(tasks)}\n`);
}

/**
 * `stack rm STACK...`: each stack's services removed (their tasks stop), then the secrets and
 * configs its deploys made (labelled with the stack), as `docker stack rm` does; one that
 * something outside the stack still mounts stays, said on stderr. Named volumes stay, as with Docker.
 */
export async function removeStacks(stacks: readonly string[], flags: StackFlags, io: Output = STDIO): Promise<void> {
  const client = managerClient(flags);
  const all = stacksOf(await client.listServices());
  const missing = stacks.filter((s) => !all.has(s));
  if (missing.length > 0) throw new StackNotFound(missing[0] as string); // nothing removed
  const removed: Array<{ stack: string; services: string[]; secrets: string[]; configs: string[] }> = [];
  for (const stack of stacks) {
    const names = (all.get(stack) ?? []).map((s) => s.name);
    for (const name of names)
      await client.removeService(name).catch((err: unknown) => {
        // gone already (removed meanwhile): removed all the same
        if (!isNotFound(err, 'service')) throw err;
      });
    const secrets = await removeStackFiles(client, 'secret', stack, io);
    const configs = await removeStackFiles(client, 'config', stack, io);
    removed.push({ stack, services: names, secrets, configs });
    // the services always said; secrets and configs only when the stack had some to remove
    const files = [[secrets.length, 'secret'] as const, [configs.length, 'config'] as const].filter(([n]) => n > 0);
    const what = [`${counted(names.length, 'service')} (${names.join(', ')})`, ...files.map(([n, w]) => counted(n, w))];
    if (flags.json !== true)
      io.out(`stack ${printable(stack)}: removed ${what.join(', ')}; their tasks are stopping\n`);
  }
  if (flags.json === true) io.out(`${toJson(removed)}\n`);
}

function counted(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** Removes the stack's secrets or configs; those still in use elsewhere stay, each said on stderr. */
async function removeStackFiles(
  client: ManagerClient,
  kind: 'secret' | 'config',
  stack: string,
  io: Output,
): Promise<string[]> {
  const removed: string[] = [];
  for (const f of await client.listFiles(kind)) {
    if (f.labels[STACK_LABEL] !== stack) continue;
    try {
      await client.removeFile(kind, f.name);
      removed.push(f.name);
    } catch (err) {
      if (isNotFound(err, 'file')) continue; // removed meanwhile
      const why = err instanceof PoseidonError ? err.message : String(err);
      io.err(`poseidon: ${printable(kind)} ${printable(f.name)} stays: ${printable(why)}\n`);
    }
  }
  return removed;
}
