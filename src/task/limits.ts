// What a task may ask for: bounds on everything a submitter can make the manager store, send to
// every dispatch and hand to the engine, and the floors below which the engine refuses a
// container (a request it cannot honour is refused at submission, not Failed three times on a worker).

/**
 * The least cpu a task may ask for (`cpu`) or be held to (`cpuLimit`): a CFS quota of 1 ms per
 * 100 ms period, the kernel's floor (`docker run --cpus 0.001` fails to start).
 */
export const MIN_CPU_CORES = 0.01;

/** Processes a container may hold unless the task says otherwise (`pidsLimit`). */
export const DEFAULT_PIDS_LIMIT = 1024;
/** The init process Poseidon runs as PID 1 and the task's own: with fewer, the container cannot start. */
export const MIN_PIDS_LIMIT = 2;
/** The kernel's PID_MAX_LIMIT: no pid namespace holds more. */
export const MAX_PIDS_LIMIT = 4_194_304;

/** `env`: variables, and bytes of names and values together. */
export const MAX_ENV_VARS = 256;
export const MAX_ENV_BYTES = 64 * 1024;
/** `labels`: entries, and bytes of keys and values together. */
export const MAX_LABELS = 64;
export const MAX_LABELS_BYTES = 16 * 1024;
/** A label's key, in characters (TypeBox does not hold a record's keys to their schema's maxLength). */
export const MAX_LABEL_KEY_CHARS = 255;
/** `command` and an exec health check's `command`: arguments, characters each, bytes in all. */
export const MAX_COMMAND_ARGS = 256;
export const MAX_ARG_CHARS = 4096;
export const MAX_COMMAND_BYTES = 64 * 1024;
