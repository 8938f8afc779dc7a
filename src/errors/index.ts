/**
 * The base of every expected failure. `code` is part of the API (snake_case, never renamed),
 * `status` is the HTTP status it maps to, `temporary` says whether retrying may help.
 */
export abstract class PoseidonError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  readonly temporary: boolean = false;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A field of some input (body, file, flag) is invalid; `field` names it as the user wrote it. */
export class InvalidField extends PoseidonError {
  readonly code = 'invalid_request';
  readonly status = 400;
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}

/** An error that crossed HTTP: rebuilt by the typed client from `{"error":{"code","message"}}`. */
export class RemoteError extends PoseidonError {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
