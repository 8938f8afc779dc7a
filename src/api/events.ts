import { Type, type Static } from '@sinclair/typebox';
import { InvalidField } from '../errors/index.js';
import { CLUSTER_EVENT_TYPES } from './event-types.js';

export { CLUSTER_EVENT_TYPES, type ClusterEventType } from './event-types.js';

/** What happened, as `GET /events` streams it (one JSON object a line) and `poseidon events` prints it. */
export const ClusterEvent = Type.Object({
  time: Type.String(),
  type: Type.Union(CLUSTER_EVENT_TYPES.map((t) => Type.Literal(t))),
  taskId: Type.Optional(Type.String()),
  taskName: Type.Optional(Type.String()),
  node: Type.Optional(Type.String()),
  state: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  exitCode: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  restarts: Type.Optional(Type.Integer()),
  delayMs: Type.Optional(Type.Number()),
  service: Type.Optional(
    Type.String({ description: "The service: of a service event, or of a replica's task event." }),
  ),
  version: Type.Optional(Type.Integer({ description: 'The version it runs.' })),
  replicas: Type.Optional(Type.Integer()),
  fromVersion: Type.Optional(Type.Integer({ description: "A rollout's versions and progress." })),
  toVersion: Type.Optional(Type.Integer()),
  updated: Type.Optional(Type.Integer()),
  total: Type.Optional(Type.Integer()),
  completed: Type.Optional(Type.Integer({ description: "A job's slots done (exited 0) when its run ended." })),
  failed: Type.Optional(Type.Integer({ description: "A job's slots failed when its run ended." })),
  file: Type.Optional(Type.String({ description: "A secret's or config's name, of its event." })),
  note: Type.Optional(
    Type.String({
      description:
        'What a rollout step did other than as its order says, once: "web-1 updated stop-first: no node has ' +
        'room for both versions" (an `update.progress`).',
    }),
  ),
});
export type ClusterEvent = Static<typeof ClusterEvent>;

/** A time as `GET /events` takes it: RFC 3339, or seconds since 1970 (a fraction allowed). */
const EVENT_TIME = '^([0-9]{1,12}(\\.[0-9]{1,9})?|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{2,18}(Z|[+-][0-9]{2}:[0-9]{2}))$';

/** `GET /events`: from when (events the manager kept), and until when (then the stream ends). */
export const EventsQuery = Type.Object(
  {
    since: Type.Optional(
      Type.String({
        pattern: EVENT_TIME,
        description:
          'First the kept events at or after this time (RFC 3339, or seconds since 1970), then the live ones. ' +
          'The manager keeps its last 10,000 events, in memory: none from before it started or, in a group, ' +
          'before it began to lead.',
      }),
    ),
    until: Type.Optional(
      Type.String({
        pattern: EVENT_TIME,
        description: 'Only events before this time; the stream ends then (at once for a time past).',
      }),
    ),
    task: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          "Only this task's events (its full id), kept and live: with `since` its submission time, a task's " +
          'whole history as far as the manager kept it (what the web console lists on a task page).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type EventsQuery = Static<typeof EventsQuery>;

/** From when and until when a stream of events goes, in milliseconds since 1970, and of what. */
export interface EventWindow {
  sinceMs?: number;
  untilMs?: number;
  /** Only this task's events. */
  taskId?: string;
}

/** The query's times in milliseconds since 1970, and its task; a time that cannot be read is refused, naming it. */
export function eventWindow(q: EventsQuery): EventWindow {
  const ms = (field: 'since' | 'until', value: string): number => {
    const t = /^[0-9.]+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
    if (Number.isNaN(t)) throw new InvalidField(`querystring.${field}`, `is "${value}", no time`);
    return t;
  };
  const sinceMs = q.since === undefined ? undefined : ms('since', q.since);
  const untilMs = q.until === undefined ? undefined : ms('until', q.until);
  // `until` is the first time left out: a window that ends before it starts holds nothing, and an
  // empty 200 would say there was nothing in it
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs >= untilMs)
    throw new InvalidField('querystring.until', `is "${q.until}", not after since "${q.since}"`);
  return {
    ...(sinceMs === undefined ? {} : { sinceMs }),
    ...(untilMs === undefined ? {} : { untilMs }),
    ...(q.task === undefined ? {} : { taskId: q.task }),
  };
}
