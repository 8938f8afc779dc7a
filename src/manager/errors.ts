import { PoseidonError } from '../errors/index.js';

export class TaskNotFound extends PoseidonError {
  readonly code = 'task_not_found';
  readonly status = 404;
  constructor(readonly taskId: string) {
    super(`no task matches "${taskId}"`);
  }
}

export class AmbiguousTaskId extends PoseidonError {
  readonly code = 'ambiguous_id';
  readonly status = 409;
  constructor(
    readonly prefix: string,
    matches: readonly string[],
  ) {
    const shown = `${matches.slice(0, 3).join(', ')}${matches.length > 3 ? ', ...' : ''}`;
    super(`"${prefix}" matches ${matches.length} tasks (${shown}); give more of the id`);
  }
}

export class DuplicateTask extends PoseidonError {
  readonly code = 'task_exists';
  readonly status = 409;
  constructor(readonly taskId: string) {
    super(`a different task with id ${taskId} already exists`);
  }
}

export class NodeNotFound extends PoseidonError {
  readonly code = 'node_not_found';
  readonly status = 404;
  constructor(readonly nodeId: string) {
    super(`no node ${nodeId}; register first`);
  }
}

export class NodeNameTaken extends PoseidonError {
  readonly code = 'node_name_taken';
  readonly status = 409;
  constructor(readonly nodeName: string) {
    super(`another live worker already uses the name ${nodeName}; give this one a different --name`);
  }
}
