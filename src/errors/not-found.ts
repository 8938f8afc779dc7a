import { PoseidonError } from './poseidon-error.js';

/** No task by that id (or unique prefix) here; `where` says where it was looked for. */
export class TaskNotFound extends PoseidonError {
  constructor(
    readonly taskId: string,
    where = '',
  ) {
    super('task_not_found', `no task ${where === '' ? `matches "${taskId}"` : `${taskId} ${where}`}`);
  }
}

export class NodeNotFound extends PoseidonError {
  constructor(readonly nodeId: string) {
    super('node_not_found', `no node ${nodeId}; register first`);
  }
}

export class ServiceNotFound extends PoseidonError {
  constructor(readonly serviceName: string) {
    super('service_not_found', `no service ${serviceName}`);
  }
}

/** A command for a task's container (`poseidon exec`) when it is not running: not started yet, or ended. */
export class NotRunning extends PoseidonError {
  constructor(what: string) {
    super('task_not_running', `${what}; exec runs a command in a running container`);
  }
}
