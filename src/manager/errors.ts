import { notFoundHint, PoseidonError } from '../errors/index.js';
import type { FileKind } from '../task/index.js';

/** The first three ids of what a reference matches (tasks, nodes), for a message. */
function firstIds(ids: readonly string[]): string {
  return `${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', ...' : ''}`;
}

export class AmbiguousTaskId extends PoseidonError {
  constructor(
    readonly prefix: string,
    matches: readonly string[],
  ) {
    super('ambiguous_id', `"${prefix}" matches ${matches.length} tasks (${firstIds(matches)}); give more of the id`);
  }
}

export class AmbiguousTaskName extends PoseidonError {
  constructor(name: string, matches: readonly string[]) {
    super('ambiguous_id', `${matches.length} tasks not ended are named "${name}" (${firstIds(matches)}); give the id`);
  }
}

/** Several nodes of one name (a worker that joined again with a new data dir, beside its old record). */
export class AmbiguousNodeName extends PoseidonError {
  constructor(name: string, matches: readonly string[]) {
    super('ambiguous_id', `${matches.length} nodes are named "${name}" (${firstIds(matches)}); give the id`);
  }
}

export class DuplicateTask extends PoseidonError {
  constructor(readonly taskId: string) {
    super('task_exists', `a different task with id ${taskId} already exists`);
  }
}

/**
 * A submission under a name a task not ended holds: two such tasks of one name would leave
 * `poseidon logs NAME` and `stop NAME` to guess, so the second is refused, as docker refuses a
 * container name in use. An ended task frees its name.
 */
export class TaskNameTaken extends PoseidonError {
  constructor(
    readonly taskName: string,
    holder: { id: string; state: string; service?: string },
  ) {
    const whose = holder.service === undefined ? '' : `, a replica of service ${holder.service}`;
    const free =
      holder.service === undefined
        ? `stop it first (poseidon stop ${holder.id}), or give this task another name`
        : 'give this task another name';
    super(
      'task_name_taken',
      `the name ${taskName} is in use by task ${holder.id} (${holder.state}${whose}), which has not ended; ${free}`,
    );
  }
}

export class NodeNameTaken extends PoseidonError {
  constructor(readonly nodeName: string) {
    super('node_name_taken', `another live worker already uses the name ${nodeName}; give this one a different --name`);
  }
}

/**
 * Another node that is Up registered this URL: the manager calls a node at its URL, and a worker
 * chooses the URL it registers (two on one host hold certificates naming the same addresses).
 */
export class NodeUrlTaken extends PoseidonError {
  /** `seen`: what the manager found at the URL when it looked whose it is (absent: it did not look). */
  constructor(url: string, other: { id: string; name: string }, seen?: string) {
    super(
      'node_url_taken',
      `node ${other.name} (${other.id}), which is up, registered ${url}` +
        (seen === undefined ? '' : ` (${seen})`) +
        ': give this worker its own --port or --advertise',
    );
  }
}

/**
 * A node's beat after another node proved the URL it registered is its own (the server there
 * presents that node's certificate): node_not_found, so its worker registers again, and is told why.
 */
export class NodeUrlLost extends PoseidonError {
  constructor(nodeId: string, url: string, owner: string) {
    super(
      'node_not_found',
      `node ${nodeId} is Down: its URL ${url} is node ${owner}'s (the server there presents that node's ` +
        'certificate); register with its own --port or --advertise',
    );
  }
}

export class NodeRevoked extends PoseidonError {
  constructor(readonly nodeId: string) {
    super('forbidden', `node ${nodeId} was removed from the cluster; join again with a join token`);
  }
}

/** A node may speak only for itself: the node id (or URL) it sent is not what its certificate says. */
export class NotThisNode extends PoseidonError {
  constructor(
    readonly nodeId: string,
    what: string,
  ) {
    super('forbidden', `node ${nodeId} may speak only for itself: ${what}`);
  }
}

export class ServiceExists extends PoseidonError {
  constructor(readonly serviceName: string) {
    super(
      'service_exists',
      `a service named ${serviceName} already exists; update it with PUT /services/${serviceName}`,
    );
  }
}

export class NoPreviousVersion extends PoseidonError {
  constructor(readonly serviceName: string) {
    super('no_previous_version', `service ${serviceName} has no previous version to roll back to`);
  }
}

export class JobHasNoRollback extends PoseidonError {
  constructor(
    readonly serviceName: string,
    mode: string,
  ) {
    super(
      'job_has_no_rollback',
      `service ${serviceName} is a ${mode}, which has no rollback: update it to the spec you want, and it runs again`,
    );
  }
}

/** How to list the volumes, and why one a person expects may not be there yet. */
const LIST_VOLUMES =
  'poseidon volume ls lists the volumes, which the manager records once a task that mounts one has run';

/** No volume of that name; `known` (the volumes' names) gives a near one. */
export class VolumeNotFound extends PoseidonError {
  constructor(
    readonly volume: string,
    known: Iterable<string> = [],
  ) {
    super('volume_not_found', `no volume ${volume}${notFoundHint(volume, known, LIST_VOLUMES)}`);
  }
}

/** A task that is not finished mounts the volume: stop it first. */
export class VolumeInUse extends PoseidonError {
  readonly taskIds: readonly string[];
  constructor(
    readonly volume: string,
    users: ReadonlyArray<{ taskId: string; service?: string | undefined }>,
  ) {
    super('volume_in_use', volumeInUseMessage(volume, users));
    this.taskIds = users.map((u) => u.taskId);
  }
}

/**
 * What holds the volume and what frees it: a plain task is stopped; a service's replica is not (its
 * service starts another in its place), so its service is removed or updated without the volume.
 */
function volumeInUseMessage(volume: string, users: ReadonlyArray<{ taskId: string; service?: string | undefined }>) {
  const plain = users.filter((u) => u.service === undefined).map((u) => u.taskId);
  const replicas = users.filter((u) => u.service !== undefined).map((u) => u.taskId);
  const services = [...new Set(users.flatMap((u) => (u.service === undefined ? [] : [u.service])))];
  const held: string[] = [];
  const todo: string[] = [];
  if (plain.length > 0) {
    held.push(`${plain.length === 1 ? 'task' : 'tasks'} ${firstIds(plain)}`);
    const them = plain.length === 1 ? 'it' : 'them';
    todo.push(`stop ${services.length === 0 ? them : `the ${plain.length === 1 ? 'task' : 'tasks'}`} first`);
  }
  if (services.length > 0) {
    const one = services.length === 1;
    const of = `${replicas.length === 1 ? 'a replica' : 'replicas'} of ${one ? 'service' : 'services'}`;
    held.push(`${of} ${firstIds(services)} (${firstIds(replicas)})`);
    const names = services.slice(0, 3).join(' ');
    todo.push(
      `remove ${one ? 'the service' : 'the services'} (poseidon service rm ${names}) or update ` +
        `${one ? 'it' : 'each'} to a spec without the volume (poseidon service update ${services[0]} -f FILE): ` +
        'stopping a replica only starts another',
    );
  }
  return `volume ${volume} is in use by ${held.join(' and ')}; ${todo.join(', and ')}`;
}

/** `node rm` without `--dead` of a node whose exclusive tasks may still run there. */
export class NodeHoldsExclusive extends PoseidonError {
  constructor(
    readonly nodeName: string,
    readonly taskIds: readonly string[],
  ) {
    const shown = firstIds(taskIds);
    super(
      'node_holds_exclusive',
      `node ${nodeName} may still run exclusive task(s) ${shown}, which must never run twice: ` +
        'stop them first, or, if the machine is dead (powered off, its containers gone), ' +
        `remove it with \`poseidon node rm ${nodeName} --dead\``,
    );
  }
}

/** No secret or config of that name. */
export class FileNotFound extends PoseidonError {
  constructor(kind: FileKind, name: string) {
    super('file_not_found', `no ${kind} named ${name}: create it with \`poseidon ${kind} create ${name} FILE\``);
  }
}

/** A secret or config of that name holds another value. */
export class FileExists extends PoseidonError {
  constructor(kind: FileKind, name: string) {
    super(
      'file_exists',
      `${kind} ${name} exists with another value; values never change: create it under a new name ` +
        `(or remove it first, once nothing uses it)`,
    );
  }
}

/** Unfinished tasks or services mount the secret or config. */
export class FileInUse extends PoseidonError {
  constructor(kind: FileKind, name: string, users: ReadonlyArray<{ who: string; service: boolean }>) {
    const services = users.filter((u) => u.service).length;
    const tasks = users.length - services;
    const what = [
      ...(tasks === 0 ? [] : [`stop ${tasks === 1 ? 'the task' : 'the tasks'}`]),
      ...(services === 0 ? [] : [`update or remove ${services === 1 ? 'the service' : 'the services'}`]),
    ].join(', and ');
    // a service keeps its previous version's files, for a rollback: one update without it is not enough
    const previous = services === 0 ? '' : ` (a service's previous version counts too: a rollback goes back to it)`;
    super('file_in_use', `${kind} ${name} is in use by ${firstIds(users.map((u) => u.who))}; ${what} first${previous}`);
  }
}

/** What a worker whose node the manager does not know (its beat, its report) is to do. */
export const REGISTER_FIRST = 'register first';
