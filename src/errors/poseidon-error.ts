import { ERRORS, isErrorCode, type ErrorCode, type ErrorSpec } from './codes.js';

export interface PoseidonErrorOptions extends ErrorOptions {
  /** When a temporary failure is worth trying again; sent to clients as `retryAfterMs`. */
  retryAfterMs?: number;
}

/**
 * The base of every expected failure. `code` is part of the API, `status` the HTTP status it maps
 * to and `temporary` whether retrying may help; all three come from one entry of ERRORS.
 */
export abstract class PoseidonError extends Error {
  readonly code: string;
  readonly status: number;
  readonly temporary: boolean;
  readonly retryAfterMs: number | undefined;

  protected constructor(spec: ErrorSpec | ErrorCode, message: string, options?: PoseidonErrorOptions) {
    super(message, options);
    const s = typeof spec === 'string' ? ERRORS[spec] : spec;
    this.name = new.target.name;
    this.code = s.code;
    this.status = s.status;
    this.temporary = s.temporary;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** A field of some input (body, file, flag) is invalid; `field` names it as the user wrote it. */
export class InvalidField extends PoseidonError {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super('invalid_request', `${field} ${problem}`);
  }
}

/**
 * An error that crossed HTTP, rebuilt by the typed client from `{"error":{"code","message"}}`. A
 * code this version knows keeps its meaning; an unknown one (a newer server) keeps the status it
 * came with and counts as temporary when that status is a 5xx.
 */
export class RemoteError extends PoseidonError {
  constructor(code: string, status: number, message: string, retryAfterMs?: number) {
    const known = isErrorCode(code) ? ERRORS[code] : undefined;
    super(
      { code, status, temporary: known?.temporary ?? status >= 500 },
      message,
      retryAfterMs === undefined ? undefined : { retryAfterMs },
    );
  }
}
