/** What dockerode's errors carry: the HTTP status, a socket error's code, the engine's JSON body. */
export interface HttpError {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
  reason?: string;
  message?: string;
}

/**
 * The engine's own words for a refused call, without dockerode's `(HTTP code 409) unexpected -`
 * prefix; its reason phrase when the engine said nothing.
 */
export function engineMessage(err: unknown): string {
  const e = err as HttpError;
  const text = e.json?.message ?? e.message ?? e.reason ?? String(err);
  return text.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim() || e.reason || 'unknown error';
}
