import { Type, type Static } from '@sinclair/typebox';
import { InvalidField } from '../errors/index.js';
import { LOGS_NDJSON, MAX_LOG_TAIL_LINES } from './logs-media.js';

export { LOGS_NDJSON, MAX_LOG_TAIL_LINES };

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

/** One line of a log read in LOGS_NDJSON. */
export type LogLine = { stdout: string } | { stderr: string };

/** What an Accept header may name that a log read answers: `text/plain`, LOGS_NDJSON, or a range of them. */
const LOG_TYPES = new Set(['*/*', 'text/*', 'text/plain', 'application/*', LOGS_NDJSON]);

/**
 * Whether a log read's answer keeps the streams apart (LOGS_NDJSON): its Accept header names that
 * type (with a weight above 0). No header, or one that names only text, asks for text; one that
 * names neither (nor a range of them) is refused, saying what to ask for.
 */
export function logsFramed(accept: string | undefined): boolean {
  const named = acceptedTypes(accept);
  if (named === undefined) return false;
  if (!named.some((t) => LOG_TYPES.has(t)))
    throw new InvalidField(
      'accept',
      `is "${String(accept).slice(0, 80)}"; ask for text/plain (the output as one text) ` +
        `or ${LOGS_NDJSON} (each stream apart)`,
    );
  return named.includes(LOGS_NDJSON);
}

/** Whether an Accept header asks for LOGS_NDJSON, without judging the rest of it (a manager passing the call on). */
export function asksNdjson(accept: string | undefined): boolean {
  return acceptedTypes(accept)?.includes(LOGS_NDJSON) === true;
}

/** The media types (or ranges) an Accept header names with a weight above 0; undefined without one. */
function acceptedTypes(accept: string | undefined): string[] | undefined {
  if (accept === undefined || accept.trim() === '') return undefined;
  return accept.split(',').flatMap((range) => {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    return params.some((p) => /^q=0(\.0*)?$/.test(p)) ? [] : [type];
  });
}

/** A log read's answer (OpenAPI): text, or each stream apart as asked with Accept. */
export function logsResponse(text: string): object {
  return {
    200: {
      description:
        `${text} As text (\`text/plain\`, stdout and stderr together), or with \`Accept: ${LOGS_NDJSON}\` ` +
        'one JSON object a line, `{"stdout": text}` or `{"stderr": text}`, each stream apart as `docker logs` keeps ' +
        'them. A server older than this answers text whatever it is asked: read the answer by its Content-Type.',
      content: {
        'text/plain': { schema: Type.String() },
        [LOGS_NDJSON]: {
          schema: Type.Union([Type.Object({ stdout: Type.String() }), Type.Object({ stderr: Type.String() })]),
        },
      },
    },
  };
}
