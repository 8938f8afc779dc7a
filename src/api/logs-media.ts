// TypeBox-free, so the CLI's client can say it without loading the schemas (src/cli/ must not).

/**
 * The media type of a log read that keeps the container's streams apart: one JSON object a line,
 * `{"stdout": text}` or `{"stderr": text}`, in the order the container wrote them. A client asks
 * for it with `Accept: application/x-ndjson`; without that it gets the output as one text
 * (`text/plain`), as a server older than this answers whatever it is asked.
 */
export const LOGS_NDJSON = 'application/x-ndjson';
