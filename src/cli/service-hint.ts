import { isGlobalMode } from '../api/service-modes.js';
import type { ManagerClient } from '../client/index.js';
import { isNotFound, PoseidonError } from '../errors/index.js';
import { printable } from './terminal-text.js';

// A task command given a service's name (`poseidon logs web` where web is a service): instead of
// "no task matches", the error says what to run for a service.

class NamesAService extends PoseidonError {
  constructor(name: string, advice: string) {
    super('task_not_found', `no task matches "${printable(name)}", but a service does: ${advice}`);
  }
}

/** A replica named as Swarm names one (`web.1`, `web.1.<task id>`), where Poseidon's is `web-1`. */
class SwarmStyleName extends PoseidonError {
  constructor(name: string, replica: string, service: string) {
    super(
      'task_not_found',
      `no task matches "${printable(name)}"; its replica here is ${printable(replica)} (a service's replicas are ` +
        `named SERVICE-SLOT: poseidon service ps ${printable(service)} lists them)`,
    );
  }
}

/** `web.1` or `web.1.<id>` as Swarm names slot 1 of web: the service and the slot; else undefined. */
const SWARM_NAME = /^([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.([1-9][0-9]{0,5})(?:\.[0-9a-z]+)?$/;

/**
 * `err` when it is not a task not found by a service's name; otherwise an error with `advice`,
 * given the service's replica names (in slot order). A replica named as Swarm names one
 * (`web.1`) gets the name it has here instead.
 */
export async function serviceHint(
  client: ManagerClient,
  name: string,
  err: unknown,
  advice: (service: string, replicas: readonly string[], global: boolean) => string,
): Promise<unknown> {
  if (!isNotFound(err, 'task')) return err;
  const swarm = SWARM_NAME.exec(name);
  if (swarm !== null) {
    const [, service = '', slot = ''] = swarm;
    const replica = await client.serviceTasks(service).then(
      (tasks) => tasks.find((t) => t.slot === Number(slot))?.name,
      () => undefined,
    );
    return replica === undefined ? err : new SwarmStyleName(name, replica, service);
  }
  const found = await Promise.all([client.serviceTasks(name), client.getService(name)]).then(
    ([tasks, view]) => ({
      replicas: [...tasks].sort((a, b) => a.slot - b.slot).map((t) => printable(t.name)),
      global: isGlobalMode(view.mode),
    }),
    () => undefined,
  );
  return found === undefined ? err : new NamesAService(name, advice(printable(name), found.replicas, found.global));
}

/** `web-1, web-2 and web-3`, or the first three and how many more. */
export function someOf(names: readonly string[]): string {
  const shown = names.length > 4 ? [...names.slice(0, 3), `${names.length - 3} more`] : [...names];
  return shown.length < 2 ? shown.join('') : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
}
