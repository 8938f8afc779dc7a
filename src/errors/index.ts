// Expected failures: one list of codes (codes.ts), the classes that carry them, and the
// predicates code asks instead of reading HTTP status numbers.
export { ERRORS, isErrorCode, type ErrorCode, type ErrorSpec } from './codes.js';
export {
  PoseidonError,
  InvalidField,
  RemoteError,
  NotLeader,
  NoLeader,
  LeaderUnknown,
  type PoseidonErrorOptions,
} from './poseidon-error.js';
export { isNotFound, isRetryable, isPermanent, isUnknownFieldRefusal } from './predicates.js';
/** Errors more than one component raises. */
export {
  TaskNotFound,
  notFoundHint,
  NodeNotFound,
  ServiceNotFound,
  NotRunning,
  runningContainerOf,
  NoContainer,
  ExecSessionNotFound,
  TooManyExecSessions,
} from './not-found.js';
/** The known name nearest to one a person wrote, for "did you mean …?". */
export { nearestField, nearestName } from './nearest-name.js';
/** Field paths as messages name them: `ports[0].host`; a message about one: `ports[0].host must be ...`. */
export { fieldPath, fieldProblem, pointerPath, type FieldNamer } from './field-path.js';
