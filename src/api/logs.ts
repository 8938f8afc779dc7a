import { Type, type Static } from '@sinclair/typebox';
import { InvalidField } from '../errors/index.js';

/**
 * The most lines a log read returns from the past (`tail`). A read without `follow` is gathered
 * whole before it is sent, so without a tail it returns this many, the last ones; with `follow`
 * the past is streamed, and the tail, when given, is held to the same bound.
 */
export const MAX_LOG_TAIL_LINES = 10_000;

/** `GET /tasks/{id}/logs` on the manager and on a worker. */
export const LogsQuery = Type.Object(
  {
    follow: Type.Optional(
      Type.Union([Type.Literal('true'), Type.Literal('false'), Type.Literal('1'), Type.Literal('0')]),
    ),
    tail: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
    since: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,12}$',
        description: 'Only output written at or after this time, in seconds since 1970 (UTC).',
      }),
    ),
    until: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,12}([.][0-9]{1,3})?$',
        description:
          'Only output written at or before this time, in seconds since 1970 (UTC), to the millisecond ' +
          '(`1796618005.123`), as `docker logs --until`.',
      }),
    ),
    timestamps: Type.Optional(
      Type.Union([Type.Literal('true'), Type.Literal('false'), Type.Literal('1'), Type.Literal('0')], {
        description: 'Each line after the time the container wrote it (RFC 3339, nanoseconds), as `docker logs -t`.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type LogsQuery = Static<typeof LogsQuery>;

/** What a log read asks for besides follow and tail: from and until when, and whether each line says when. */
export function logFilters(q: LogsQuery): { since?: number; until?: number; timestamps?: boolean } {
  return {
    ...(q.since === undefined ? {} : { since: Number(q.since) }),
    ...(q.until === undefined ? {} : { until: Number(q.until) }),
    ...(q.timestamps === 'true' || q.timestamps === '1' ? { timestamps: true } : {}),
  };
}

export function isFollow(q: LogsQuery): boolean {
  return q.follow === 'true' || q.follow === '1';
}

/** Lines to ask for from the past: the query's tail, bounded, or MAX_LOG_TAIL_LINES for a read without follow. */
export function logTail(q: LogsQuery): number | undefined {
  if (q.tail === undefined) return isFollow(q) ? undefined : MAX_LOG_TAIL_LINES;
  const lines = Number(q.tail);
  if (lines > MAX_LOG_TAIL_LINES) throw new InvalidField('tail', `is ${lines} lines; at most ${MAX_LOG_TAIL_LINES}`);
  return lines;
}
