import { ERRORS } from './codes.js';
import { PoseidonError } from './poseidon-error.js';

const NOT_FOUND = {
  task: ERRORS.task_not_found.code,
  node: ERRORS.node_not_found.code,
  service: ERRORS.service_not_found.code,
  file: ERRORS.file_not_found.code,
  route: ERRORS.not_found.code,
} as const;

/**
 * The error says the named thing does not exist, locally or on the server that answered. A route
 * the server does not have is `'route'`, never a missing task: an old worker without a route must
 * not read as "the task is gone".
 */
export function isNotFound(err: unknown, what: keyof typeof NOT_FOUND): boolean {
  return err instanceof PoseidonError && err.code === NOT_FOUND[what];
}

/**
 * A server older than the caller refused a field it does not know (every schema allows no others):
 * the caller may ask again without it, or say which side to upgrade.
 */
export function isUnknownFieldRefusal(err: unknown): boolean {
  return err instanceof PoseidonError && err.code === 'invalid_request' && /additional propert/.test(err.message);
}

/** An expected failure after which the same call may succeed later (busy, away, stopping). */
export function isRetryable(err: unknown): err is PoseidonError {
  return err instanceof PoseidonError && err.temporary;
}

/** An expected failure that the same call would meet again: the request itself was refused. */
export function isPermanent(err: unknown): err is PoseidonError {
  return err instanceof PoseidonError && !err.temporary;
}
