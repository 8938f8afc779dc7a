import { nearestField } from './nearest-name.js';
import { PoseidonError } from './poseidon-error.js';

/**
 * How many distinct names a not-found error compares with the one given: a miss is anyone's to
 * ask for (a read token), and a manager with 100,000 tasks would otherwise spend an edit distance
 * on each of them per miss.
 */
const MAX_HINT_NAMES = 5_000;

function distinctUpTo(names: Iterable<string>, max: number): string[] {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.size >= max) break;
    seen.add(name);
  }
  return [...seen];
}

/**
 * What a person who named something that is not there can do: ` (did you mean web?)` when one of
 * `known` is a typo away, then how to list them (`; poseidon service ls lists the services`).
 */
export function notFoundHint(given: string, known: Iterable<string>, list: string): string {
  const near = nearestField(given, distinctUpTo(known, MAX_HINT_NAMES));
  return `${near === undefined ? '' : ` (did you mean ${near}?)`}; ${list}`;
}

/**
 * No task by that id (or unique prefix) here; `where` says where it was looked for (a worker's
 * own), else a person asked the manager, and `known` (the tasks' names) gives a near one.
 */
export class TaskNotFound extends PoseidonError {
  constructor(
    readonly taskId: string,
    where = '',
    known: Iterable<string> = [],
  ) {
    super(
      'task_not_found',
      where === ''
        ? `no task matches "${taskId}"${notFoundHint(taskId, known, 'poseidon status lists the tasks')}`
        : `no task ${taskId} ${where}`,
    );
  }
}

/** No node by that id or name; `hint` says what to do: a worker's call, to register; a person's, to list them. */
export class NodeNotFound extends PoseidonError {
  constructor(
    readonly nodeId: string,
    hint = 'poseidon node lists the nodes',
  ) {
    super('node_not_found', `no node ${nodeId}; ${hint}`);
  }
}

/** No service of that name; `known` (the services' names) gives a near one. */
export class ServiceNotFound extends PoseidonError {
  constructor(
    readonly serviceName: string,
    known: Iterable<string> = [],
  ) {
    super(
      'service_not_found',
      `no service ${serviceName}${notFoundHint(serviceName, known, 'poseidon service ls lists the services')}`,
    );
  }
}

/** A command for a task's container (`poseidon exec`) when it is not running: not started yet, or ended. */
export class NotRunning extends PoseidonError {
  constructor(what: string, why = 'exec runs a command in a running container') {
    super('task_not_running', `${what}; ${why}`);
  }
}

/**
 * The container of a task that runs (exec, top); NotRunning, saying `why`, for one that does not
 * (not started yet, or ended) or has no container.
 */
export function runningContainerOf(
  task: { id: string; name: string; state: string; containerId: string | null },
  why?: string,
): string {
  if (task.containerId === null || task.state !== 'Running')
    throw new NotRunning(`task ${task.name} (${task.id.slice(0, 8)}) is ${task.state}, not Running`, why);
  return task.containerId;
}

/** `poseidon cp` with a task that has no container: not started yet, or its container removed. */
export class NoContainer extends PoseidonError {
  constructor(what: string) {
    super('task_has_no_container', `${what}, with no container to copy files to or from`);
  }
}

/** Input for an interactive exec (`poseidon exec -i`) that has ended, or is not this task's. */
export class ExecSessionNotFound extends PoseidonError {
  constructor(taskName: string, session: string) {
    super(
      'exec_session_not_found',
      `no interactive exec ${session.slice(0, 8)} in task ${taskName}: its command has exited, or it is another task's`,
    );
  }
}

/** A worker runs at most so many interactive execs at once: each holds a connection to the engine. */
export class TooManyExecSessions extends PoseidonError {
  constructor(max: number) {
    super(
      'too_many_exec_sessions',
      `this node already runs ${max} interactive execs (its limit); try again once one has ended`,
      { retryAfterMs: 5_000 },
    );
  }
}
