import { Type, type Static } from '@sinclair/typebox';
import { Constraint, DNS_LABEL_PATTERN, Duration, MAX_CONSTRAINTS, NAME_RULE, TaskSpec } from '../task/index.js';

// Services: a name, a task template, N replicas (numbered slots) or one on each node (global),
// node constraints, and how a new version rolls out. `POST /services` and `PUT /services/{name}`
// take a ServiceSpec; service files (JSON or YAML) and Compose files are turned into one. Defaults are filled in by the
// manager when it parses a spec, so a stored spec and a view show every value in effect.

import { MAX_REPLICAS } from './service-modes.js';

export { MAX_REPLICAS };
/** A service's own labels, at most (a Compose stack's `poseidon.stack` among them). */
export const MAX_SERVICE_LABELS = 64;

export { STACK_LABEL } from './stack-label.js';

export const ServiceName = Type.String({ pattern: DNS_LABEL_PATTERN, hint: NAME_RULE });

/** The task every replica runs: any field of a task spec except `id` and `name`. */
export const TaskTemplate = Type.Omit(TaskSpec, ['id', 'name'], { additionalProperties: false });

export const UpdateOrder = Type.Union([Type.Literal('start-first'), Type.Literal('stop-first')], {
  hint: 'must be "start-first" or "stop-first"',
});
export const FailureAction = Type.Union([Type.Literal('rollback'), Type.Literal('pause'), Type.Literal('continue')], {
  hint: 'must be "rollback", "pause" or "continue"',
});

/** How a version rolls out (`update`) and how a rollback does (`rollback`; the update's values when absent). */
export const UpdateConfigSpec = Type.Object(
  {
    // replicas moved to the new version at once (default 1)
    parallelism: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_REPLICAS, hint: `must be at least 1 and at most ${MAX_REPLICAS}` }),
    ),
    // wait between one batch done (its new replicas running, healthy if checked) and the next started (default 0)
    delay: Type.Optional(Duration),
    // start-first (default): the new replica runs and is healthy before the old one stops
    order: Type.Optional(UpdateOrder),
    // a failure window, as Swarm's: a new replica that exits or turns unhealthy within this long of becoming
    // healthy counts as a failure of the update, also after later batches started (default 5s); the next
    // batch does not wait for it, and the update completes once the last new replicas are past it
    monitor: Type.Optional(Duration),
    // what a failed update does (default rollback); a rollback that fails pauses
    failureAction: Type.Optional(FailureAction),
    // the share of replicas of this update that may fail before failureAction applies (default 0)
    maxFailureRatio: Type.Optional(Type.Number({ minimum: 0, maximum: 1, hint: 'must be a number from 0 to 1' })),
    // the update ends (failureAction) when it has not completed in this long (default 10m)
    progressDeadline: Type.Optional(Duration),
  },
  { additionalProperties: false },
);

/**
 * `replicated` (the default): `replicas` copies, placed by the scheduler. `global`: one replica on
 * each node that meets the constraints and is not drained, as Swarm's global mode; a node that
 * joins (or is activated, or gets a label that meets them) gets one, a node that leaves loses it.
 */
/** Spread levels a service may give, at most: the first weighs most. */
export const MAX_PREFERENCES = 2;

/**
 * `{"spread": "node.labels.zone"}`: the service's replicas go evenly over the values of the node
 * label (nodes without it count as one more value), before they go evenly over nodes; several
 * spread within each other, the first weighing most. Swarm's `--placement-pref spread=...`.
 */
export const PlacementPreference = Type.Object(
  {
    spread: Type.String({
      pattern: `^node\\.labels\\.[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$`,
      hint: 'must be a node label, such as "node.labels.zone"',
    }),
  },
  { additionalProperties: false },
);
export type PlacementPreference = Static<typeof PlacementPreference>;

/**
 * Jobs run to completion, as Swarm's: `replicated-job` until `replicas` tasks have exited 0, at
 * most `maxConcurrent` at a time; `global-job` once on each node that meets the constraints. A
 * slot whose task exits 0 is done; one whose restart policy gives up is failed, and not run again.
 * An update runs the job again (a new version); there is no rollout and no rollback.
 */
export const ServiceMode = Type.Union(
  [Type.Literal('replicated'), Type.Literal('global'), Type.Literal('replicated-job'), Type.Literal('global-job')],
  { hint: 'must be "replicated", "global", "replicated-job" or "global-job"' },
);
export type ServiceMode = Static<typeof ServiceMode>;

export const ServiceSpec = Type.Object(
  {
    name: ServiceName,
    // default replicated; a service's mode cannot change (remove it and create it again)
    mode: Type.Optional(ServiceMode),
    // replicated only (a global service runs one per node); default 1. A replicated job: the
    // tasks that must exit 0 for it to be complete
    replicas: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_REPLICAS, hint: `must be a whole number from 0 to ${MAX_REPLICAS}` }),
    ),
    // a replicated job only: at most this many of its tasks run at once (default: all of them)
    maxConcurrent: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_REPLICAS, hint: `must be a whole number from 1 to ${MAX_REPLICAS}` }),
    ),
    task: TaskTemplate,
    // rules every replica's node must meet, as a task's `constraints`
    constraints: Type.Optional(Type.Array(Constraint, { maxItems: MAX_CONSTRAINTS })),
    // how replicas spread over the values of node labels, as Swarm's placement preferences
    preferences: Type.Optional(
      Type.Array(PlacementPreference, {
        maxItems: MAX_PREFERENCES,
        hint: `must be a list of at most ${MAX_PREFERENCES}, such as [{"spread": "node.labels.zone"}]`,
      }),
    ),
    update: Type.Optional(UpdateConfigSpec),
    rollback: Type.Optional(UpdateConfigSpec),
    // a replica about to stop leaves DNS and every proxy first; its open connections get this long (default 5s)
    drainTimeout: Type.Optional(Duration),
    // a counter: a new value is a new version that runs the same spec (`service update --force`); left out
    // of an update, the service keeps the one it has
    forceUpdate: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2 ** 31 - 1,
        hint: 'must be a whole number from 0',
        description:
          'A counter: a new value makes a new version that runs the same spec, rolled out by `update` ' +
          '(`docker service update --force`). An update that leaves it out keeps the one the service has.',
      }),
    ),
    // the service's own labels (a Compose deploy sets `poseidon.stack`); its tasks carry the template's
    labels: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.String({ maxLength: 4096 }), {
        maxProperties: MAX_SERVICE_LABELS,
      }),
    ),
  },
  { additionalProperties: false },
);

/** `POST /services/{name}/scale`. */
export const ScaleRequest = Type.Object(
  {
    replicas: Type.Integer({
      minimum: 0,
      maximum: MAX_REPLICAS,
      hint: `must be a whole number from 0 to ${MAX_REPLICAS}`,
    }),
  },
  { additionalProperties: false },
);

export type TaskTemplate = Static<typeof TaskTemplate>;
export type UpdateConfigSpec = Static<typeof UpdateConfigSpec>;
export type ServiceSpec = Static<typeof ServiceSpec>;
export type ScaleRequest = Static<typeof ScaleRequest>;
export type UpdateOrder = Static<typeof UpdateOrder>;
export type FailureAction = Static<typeof FailureAction>;

/**
 * Where a rollout stands, as Swarm's UpdateStatus says it. `updating`/`rolling_back` run; the
 * others are ends, each with its reason: `paused` (an update that failed, by `failureAction`
 * pause, or past its deadline), `rollback_paused` (a rollback that failed: its reason is the
 * rollback's own failure), `completed`, `rolled_back`.
 */
export const UpdateState = Type.Union([
  Type.Literal('updating'),
  Type.Literal('rolling_back'),
  Type.Literal('completed'),
  Type.Literal('paused'),
  Type.Literal('rolled_back'),
  Type.Literal('rollback_paused'),
]);
export type UpdateState = Static<typeof UpdateState>;

export const UpdateStatusView = Type.Object({
  state: UpdateState,
  fromVersion: Type.Integer({ description: 'The version the service is moving from.' }),
  toVersion: Type.Integer({ description: 'The version it is moving to (for a rollback: back to).' }),
  updated: Type.Integer({ description: 'Slots running `toVersion` and counted healthy, of `total`.' }),
  total: Type.Integer(),
  failed: Type.Integer({ description: 'New replicas of this rollout that failed.' }),
  startedAt: Type.String(),
  deadline: Type.String({ description: 'When the rollout ends unfinished (`failureAction`) unless it completes.' }),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String({ description: 'Why it ended as it did ("no progress in 10m").' }),
});
export type UpdateStatusView = Static<typeof UpdateStatusView>;

/** Where a job's run of its version stands. */
export const JobState = Type.Union([Type.Literal('running'), Type.Literal('complete'), Type.Literal('failed')]);
export type JobState = Static<typeof JobState>;

export const JobStatusView = Type.Object({
  state: JobState,
  completed: Type.Integer({ description: 'Slots whose task of this version exited 0.' }),
  failed: Type.Integer({ description: 'Slots whose task of this version failed and will not run again.' }),
  total: Type.Integer({ description: 'Slots this run wants done: `replicas`, or the nodes of a global job.' }),
  finishedAt: Type.Union([Type.String(), Type.Null()], { description: 'When every slot had ended.' }),
});
export type JobStatusView = Static<typeof JobStatusView>;

/** A service as `GET /services` and `GET /services/{name}` show it. */
export const ServiceView = Type.Object({
  name: Type.String(),
  version: Type.Integer({ description: 'Grows with every change of the template (scaling alone is not one).' }),
  spec: ServiceSpec, // the spec in effect (this version), with its defaults filled in
  mode: ServiceMode,
  replicas: Type.Integer({
    description: 'Replicas wanted: `spec.replicas`, or for a global service the nodes that take one now.',
  }),
  healthy: Type.Integer({ description: 'Replicas running (and healthy if the template has a health check).' }),
  running: Type.Integer(),
  image: Type.String(),
  update: Type.Union([UpdateStatusView, Type.Null()]),
  job: Type.Optional(JobStatusView),
  vip: Type.Optional(Type.String({ description: 'Its virtual IP (`<name>.svc.poseidon.cluster`), stable.' })),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type ServiceView = Static<typeof ServiceView>;

/** A task of a service: which service, slot and version it runs. */
export interface ServiceTaskRef {
  service: string;
  slot: number;
  version: number;
  /**
   * The id of the service it is a replica of (its record's `id`): a service created again under a
   * removed one's name is another service, whose history none of the removed one's tasks joins.
   * Absent on tasks written before, and on those of a service record that has none: any service of
   * the name then.
   */
  serviceId?: string;
}
