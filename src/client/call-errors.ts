/**
 * How one attempt of a call failed before its answer was in, the same through node:http and
 * through the pool (pooled.ts): http-client's loop decides on these whether to try elsewhere.
 */

/** No connection (TCP, then TLS) within the bound: that server is down or frozen. */
export class ConnectTimedOut extends Error {
  readonly code = 'ECONNECTTIMEOUT';
  constructor(origin: string, ms: number, options?: ErrorOptions) {
    super(`no connection to ${origin} within ${ms} ms`, options);
  }
}

/** The call's deadline passed before its answer was in. */
export class DeadlinePassed extends Error {
  constructor(timeoutMs: number, options?: ErrorOptions) {
    super(`no answer within ${timeoutMs} ms`, options);
    this.name = 'TimeoutError';
  }
}
