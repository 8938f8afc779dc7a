// The rules of a task's sysctls, supplementary groups and log rotation, shared by the spec's
// parsing, the CLI's flags and Compose (no TypeBox here: the CLI loads this).

/** A sysctl as Docker takes it: dotted lower-case words (`net.core.somaxconn`). */
export const SYSCTL_NAME_PATTERN = '^[a-z0-9_]+(\\.[a-z0-9_-]+)+$';
/** The sysctls a container has its own copy of (its namespaces), so setting one touches only it. */
const NAMESPACED_SYSCTLS = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);
const NAMESPACED_PREFIXES = ['net.', 'fs.mqueue.'];
export const SYSCTL_RULE =
  'must be a sysctl a container has its own copy of, as docker run --sysctl takes: net.*, fs.mqueue.*, ' +
  'kernel.msgmax, kernel.msgmnb, kernel.msgmni, kernel.sem, kernel.shmall, kernel.shmmax, kernel.shmmni or ' +
  'kernel.shm_rmid_forced';
export const MAX_SYSCTLS = 64;
export const MAX_SYSCTL_VALUE = 256;

/** Whether a container may set this sysctl: one of its own namespaces', never the host's. */
export function isNamespacedSysctl(name: string): boolean {
  if (!new RegExp(SYSCTL_NAME_PATTERN).test(name)) return false;
  return NAMESPACED_SYSCTLS.has(name) || NAMESPACED_PREFIXES.some((p) => name.startsWith(p));
}

/** A sysctl's value: text on one line, as the kernel reads it from /proc/sys. */
export function isSysctlValue(value: string): boolean {
  return value.length > 0 && value.length <= MAX_SYSCTL_VALUE && !/[\x00-\x1f\x7f]/.test(value);
}
export const SYSCTL_VALUE_RULE = `must be a value of 1 to ${MAX_SYSCTL_VALUE} characters on one line`;

/** A supplementary group: a name in the image's /etc/group, or a number (`docker run --group-add`). */
export const GROUP_PATTERN = '^([a-z_][a-z0-9_.-]{0,31}|[0-9]{1,10})$';
export const GROUP_RULE = 'must be a group name (lower-case, at most 32 characters) or a number';
export const MAX_GROUPS = 32;
const GROUP = new RegExp(GROUP_PATTERN);
/** Whether the process can run with this supplementary group (GROUP_PATTERN). */
export function isGroup(text: string): boolean {
  return GROUP.test(text);
}

/** A container's log is rotated at this size at least, and at most (json-file's max-size). */
export const MIN_LOG_SIZE_BYTES = 64 * 1024;
export const MAX_LOG_SIZE_BYTES = 1024 ** 3;
/** Files kept of a container's log at most (json-file's max-file). */
export const MAX_LOG_FILES = 100;
/** Whether a log may be cut at this many bytes. */
export function isLogSize(bytes: number): boolean {
  return bytes >= MIN_LOG_SIZE_BYTES && bytes <= MAX_LOG_SIZE_BYTES;
}
const KIB = 1024;
export const LOG_SIZE_RULE = `must be between ${MIN_LOG_SIZE_BYTES / KIB} KiB and ${MAX_LOG_SIZE_BYTES / KIB ** 3} GiB`;
/** What a task gets unless it says otherwise: 10 MiB, 3 files (`docker run --log-opt max-size=10m,max-file=3`). */
export const DEFAULT_LOG_SIZE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_LOG_FILES = 3;
