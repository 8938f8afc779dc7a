import { ERRORS, isErrorCode, type ErrorCode, type ErrorSpec } from './codes.js';
import { fieldProblem } from './field-path.js';

export interface PoseidonErrorOptions extends ErrorOptions {
  /** When a temporary failure is worth trying again; sent to clients as `retryAfterMs`. */
  retryAfterMs?: number;
  /** With not_leader: the URL of the manager that leads, where the call should go instead. */
  leader?: string;
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
  readonly leader: string | undefined;

  protected constructor(spec: ErrorSpec | ErrorCode, message: string, options?: PoseidonErrorOptions) {
    super(message, options);
    const s = typeof spec === 'string' ? ERRORS[spec] : spec;
    this.name = new.target.name;
    this.code = s.code;
    this.status = s.status;
    this.temporary = s.temporary;
    this.retryAfterMs = options?.retryAfterMs;
    this.leader = options?.leader;
  }
}

/**
 * A field of some input (body, file, flag) is invalid; `field` names it as the user wrote it, and
 * the message reads `field problem` (`task.ports[0].host must be ...`, `--replicas is "x"; ...`):
 * one form for a path in a task file, a service spec, a Compose file or an API body, and for a flag.
 */
export class InvalidField extends PoseidonError {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super('invalid_request', fieldProblem(field, problem));
  }
}

/**
 * An error that crossed HTTP, rebuilt by the typed client from `{"error":{"code","message"}}`. A
 * code this version knows keeps its meaning; an unknown one (a newer server) keeps the status it
 * came with and counts as temporary when that status is a 5xx.
 */
export class RemoteError extends PoseidonError {
  constructor(code: string, status: number, message: string, retryAfterMs?: number, leader?: string) {
    const known = isErrorCode(code) ? ERRORS[code] : undefined;
    super({ code, status, temporary: known?.temporary ?? status >= 500 }, message, {
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...(leader === undefined ? {} : { leader }),
    });
  }
}

/**
 * Managers as a group: this manager does not lead, and the call (a worker's, with its node
 * certificate, which cannot be passed on) must go to the one that does, at `leader`.
 */
export class NotLeader extends PoseidonError {
  constructor(leader: { id: string; url: string }) {
    super('not_leader', `this manager does not lead the group; ${leader.id} at ${leader.url} does`, {
      leader: leader.url,
      retryAfterMs: 0,
    });
  }
}

/**
 * Managers as a group: this manager, following, has not reached a majority of etcd's members
 * within its lease's TTL, so it cannot tell which manager leads (the one it saw last may have
 * died meanwhile: etcd's watch brings nothing while etcd lacks a majority). Its code is
 * store_unavailable: a client given several managers tries the next, one of which may know.
 */
export class LeaderUnknown extends PoseidonError {
  constructor(outOfTouchMs: number) {
    const seconds = Math.max(1, Math.round(outOfTouchMs / 1000));
    super(
      'store_unavailable',
      `this manager has not reached a majority of etcd's members for ${seconds}s, so it cannot tell which ` +
        'manager leads, if any; another manager of the group may, or this one once etcd has a majority again',
      { retryAfterMs: 1_000 },
    );
  }
}

/** Managers as a group with no leader right now (an election is under way). */
export class NoLeader extends PoseidonError {
  constructor() {
    super('no_leader', 'no manager of the group leads right now (an election is under way); try again', {
      retryAfterMs: 250,
    });
  }
}
