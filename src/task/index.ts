// The task: spec schema, units, seed-format translation and the state machine.
export { TaskSpec, HealthCheckSpec, RestartPolicySpec, PortSpec, Uuid, UUID_PATTERN, SPEC_FIELDS } from './spec.js';
export { Duration, Constraint, VolumeMountSpec, VolumeName, MAX_CONSTRAINTS, MAX_VOLUMES } from './spec.js';
export type { RestartMode, Protocol, PortProtocol, Balance, ProxyProtocol, HealthCheckType } from './spec.js';
/** Validated, unit-resolved task as components use it. */
export type { TaskRequest, PortRequest, RestartPolicy, HealthCheck } from './request.js';
export { DEFAULT_RESTART_POLICY, MIN_MEMORY_BYTES, toSpec } from './request.js';
/** One copy of what many requests hold alike (image, command, env, labels, restart policy). */
export { SharedParts } from './shared-parts.js';
/** Bounds on what a task may ask for, and the engine's floors. */
export {
  MIN_CPU_CORES,
  DEFAULT_PIDS_LIMIT,
  MIN_PIDS_LIMIT,
  MAX_PIDS_LIMIT,
  MAX_ENV_VARS,
  MAX_ENV_BYTES,
  MAX_LABELS,
  MAX_LABELS_BYTES,
  MAX_COMMAND_ARGS,
  MAX_ARG_CHARS,
  MAX_COMMAND_BYTES,
} from './limits.js';
/** Task and node names are DNS labels; names stored before that rule still load and run. */
export { DNS_LABEL_PATTERN, LEGACY_NAME_PATTERN, NAME_RULE, isDnsLabel, isLegacyName } from './name.js';
/** Node labels and the constraints a task's node must meet (`node.labels.zone == a`). */
export {
  parseConstraint,
  describeConstraint,
  meetsConstraint,
  parseNodeLabels,
  isNodeLabelKey,
  isNodeLabelValue,
  NODE_LABEL_KEY_PATTERN,
  NODE_LABEL_VALUE_PATTERN,
  MAX_NODE_LABELS,
  type ConstraintRule,
  type ConstraintAttribute,
  type ConstrainedNode,
} from './constraint.js';
/** Named volumes and host paths a task mounts; isHostPathAllowed resolves `..` before it compares. */
export { parseVolumes, isHostPathAllowed, volumeNames, hostPaths, toVolumeSpec, type VolumeMount } from './volume.js';
export { type TmpfsMount } from './volume.js';
/** Secrets and configs a task mounts as files. */
export {
  FileRefSpec,
  FILE_NAME_PATTERN,
  FILE_NAME_RULE,
  MAX_FILE_BYTES,
  MAX_FILE_REFS,
  SECRETS_DIR,
  filePath,
  DEFAULT_FILE_MODE,
  resolveFileRef,
  parseFileRefs,
  toFileRefSpecs,
  type FileKind,
  type TaskFile,
} from './file-ref.js';
/** validateSpec: schema check; parseSpec: units, defaults and cross-field rules. */
export { validateSpec, parseSpec, type SpecLimits } from './parse-spec.js';
/** Either format in, a TaskRequest out; throws InvalidField naming the field. */
export { parseSubmission } from './submission.js';
export {
  decodeSeed,
  encodeSeed,
  isSeedFormat,
  stateFromSeed,
  stateToSeed,
  SeedTaskEvent,
  type DecodedSeed,
} from './seed-format.js';
export {
  TaskState,
  TASK_STATES,
  InvalidTransition,
  assertTransition,
  canTransition,
  isActive,
  isTerminal,
  STOPPED_ON_REQUEST,
} from './state-machine.js';
export { isValidImageRef } from './image-ref.js';
/** A compiled TypeBox validator that throws InvalidField naming the first bad field. */
export { compile, type Validator } from './validate.js';
export {
  DEFAULT_LOG_FILES,
  DEFAULT_LOG_SIZE_BYTES,
  GROUP_PATTERN,
  GROUP_RULE,
  isNamespacedSysctl,
  isSysctlValue,
  MAX_LOG_FILES,
  MAX_LOG_SIZE_BYTES,
  MIN_LOG_SIZE_BYTES,
  SYSCTL_RULE,
} from './runtime-rules.js';
/** What a stop does to a task as it stands (the manager's rule, which the console's Stop follows). */
export { stopEffect, type StopEffect, type StopFields } from './stop-effect.js';
