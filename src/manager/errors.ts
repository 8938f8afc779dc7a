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
