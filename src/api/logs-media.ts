// TypeBox-free, so the CLI's client can say it without loading the schemas (src/cli/ must not).

/**
 * The media type of a log read that keeps the container's streams apart: one JSON object a line,
 * `{"stdout": text}` or `{"stderr": text}`, in the order the container wrote them. A client asks
 * for it with `Accept: application/x-ndjson`; without that it gets the output as one text
 * (`text/plain`), as a server older than this answers whatever it is asked.
 */
export const LOGS_NDJSON = 'application/x-ndjson';

/**
 * The most lines a log read returns from the past (`tail`). A read without `follow` is gathered
 * whole before it is sent, so without a tail it returns this many, the last ones; with `follow`
 * the past is streamed, and the tail, when given, is held to the same bound.
 */
export const MAX_LOG_TAIL_LINES = 10_000;

/** What a read of a container's output asks for besides follow: the last lines, from and until when, with times. */
export interface LogRead {
  /** Lines from the end; undefined for all. */
  tail?: number;
  /** Only output written at or after this time, in seconds since 1970. */
  since?: number;
  /** Only output written at or before this time, in seconds since 1970. */
  until?: number;
  /** Each line after the time it was written (RFC 3339, nanoseconds), as `docker logs -t`. */
  timestamps?: boolean;
}
