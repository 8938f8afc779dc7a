// The kinds of cluster event, without TypeBox: `poseidon events --type` checks against them and the
// CLI loads no schema library (cli-modules.test.ts).

/**
 * What can happen: `task.*` to a task, `node.*` to a node, `service.*`, `update.*` and `job.*` to a
 * service, `secret.*` and `config.*` to a secret or config (never its value).
 */
export const CLUSTER_EVENT_TYPES = [
  'task.submitted',
  'task.waiting',
  'task.scheduled',
  'task.started',
  'task.exited',
  'task.unhealthy',
  'task.healthy',
  'task.restarting',
  'task.restarted',
  'task.gave-up',
  'task.lost',
  'task.stopped',
  'node.up',
  'node.down',
  'node.restarting',
  'node.engine-down',
  'node.engine-up',
  'node.engine-lost',
  'node.removed',
  'node.drained',
  'node.paused',
  'node.activated',
  'node.updated',
  'task.moved',
  'service.created',
  'service.scaled',
  'service.removed',
  'update.started',
  'update.progress',
  'update.completed',
  'update.paused',
  'update.rolled_back',
  'job.started',
  'job.completed',
  'job.failed',
  'secret.created',
  'secret.removed',
  'config.created',
  'config.removed',
] as const;
export type ClusterEventType = (typeof CLUSTER_EVENT_TYPES)[number];
