import { PoseidonError } from '../errors/index.js';

export class AmbiguousTaskId extends PoseidonError {
  constructor(
    readonly prefix: string,
    matches: readonly string[],
  ) {
    const shown = `${matches.slice(0, 3).join(', ')}${matches.length > 3 ? ', ...' : ''}`;
    super('ambiguous_id', `"${prefix}" matches ${matches.length} tasks (${shown}); give more of the id`);
  }
}

export class DuplicateTask extends PoseidonError {
  constructor(readonly taskId: string) {
    super('task_exists', `a different task with id ${taskId} already exists`);
  }
}

export class NodeNameTaken extends PoseidonError {
  constructor(readonly nodeName: string) {
    super('node_name_taken', `another live worker already uses the name ${nodeName}; give this one a different --name`);
  }
}
