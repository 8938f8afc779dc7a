import { composeSize } from '../compose/values.js';
import { InvalidField } from '../errors/index.js';
import {
  GROUP_RULE,
  isGroup,
  isLogSize,
  isNamespacedSysctl,
  isSysctlValue,
  LOG_SIZE_RULE,
  MAX_GROUPS,
  MAX_LOG_FILES,
  MAX_SYSCTLS,
  SYSCTL_RULE,
  SYSCTL_VALUE_RULE,
} from '../task/runtime-rules.js';
import { formatBytes, parseQuantity } from '../units/index.js';

// A task's sysctls, supplementary groups and log rotation from flags, as `docker run` spells them
// (--sysctl, --group-add, --log-opt max-size|max-file: `poseidon run IMAGE`, `service create
// IMAGE`) and as `docker service update` does (--sysctl-add|rm, --group-add|rm, --log-opt). Each
// bad value is refused naming its flag, with the rule the manager would refuse it by
// (src/task/runtime-rules.ts), before anything is sent.

/** `poseidon run IMAGE` and `service create IMAGE`'s. */
export interface RuntimeFlags {
  /** `--sysctl NAME=VALUE`, repeated. */
  sysctl?: string[];
  /** `--group-add GROUP`, repeated (service update's adds to the template's). */
  groupAdd?: string[];
  /** `--log-opt max-size=10m`, `--log-opt max-file=5`. */
  logOpt?: string[];
}

/** `service update`'s: --group-add and --log-opt as run's, and the lists' -add|-rm. */
export interface RuntimeUpdateFlags extends Omit<RuntimeFlags, 'sysctl'> {
  sysctlAdd?: string[];
  sysctlRm?: string[];
  groupRm?: string[];
}

/** The log's rotation as the task spec writes it: its size as written (`"10Mi"`) or bytes. */
export interface LogsField {
  maxSize?: number | string;
  maxFiles?: number;
}

/** The task's fields the flags give; a list given empty is no field. */
export interface RuntimeFields {
  sysctls?: Record<string, string>;
  groupAdd?: string[];
  logs?: LogsField;
}

export function runtimeFieldsOf(flags: RuntimeFlags): RuntimeFields {
  const out: RuntimeFields = {};
  const sysctls = sysctlsOf('--sysctl', flags.sysctl ?? []);
  if (Object.keys(sysctls).length > 0) out.sysctls = sysctls;
  const groups = groupsOf('--group-add', flags.groupAdd ?? []);
  if (groups.length > 0) out.groupAdd = groups;
  // `max-size=` (nothing) is the default, as it is on service update: no field
  const logs: LogsField = {};
  const opts = logOptsOf('--log-opt', flags.logOpt ?? []);
  if (opts.maxSize !== undefined && opts.maxSize !== null) logs.maxSize = opts.maxSize;
  if (opts.maxFiles !== undefined && opts.maxFiles !== null) logs.maxFiles = opts.maxFiles;
  if (Object.keys(logs).length > 0) out.logs = logs;
  return out;
}

/** What a flag was given, as its message shows it: "" when empty, else as typed (its first 80 characters). */
function said(text: string): string {
  return text === '' ? '""' : text.slice(0, 80);
}

/** A sysctl's name, as `--sysctl-rm` takes it: one a container has its own copy of. */
export function sysctlNameFlag(flag: string, name: string): string {
  if (!isNamespacedSysctl(name)) throw new InvalidField(flag, `${said(name)} ${SYSCTL_RULE}`);
  return name;
}

/** `net.core.somaxconn=1024`: a sysctl as `docker run --sysctl` takes it, the value all after the first =. */
export function sysctlOf(flag: string, text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0)
    throw new InvalidField(
      flag,
      `is ${JSON.stringify(text).slice(0, 80)}; use NAME=VALUE, such as net.core.somaxconn=1024`,
    );
  const name = text.slice(0, eq);
  const value = text.slice(eq + 1);
  if (!isNamespacedSysctl(name)) throw new InvalidField(flag, `${said(text)} ${SYSCTL_RULE}`);
  if (!isSysctlValue(value))
    throw new InvalidField(flag, `${name} ${SYSCTL_VALUE_RULE} (got ${JSON.stringify(value).slice(0, 40)})`);
  return [name, value];
}

/** Each `--sysctl` (or `--sysctl-add`) read, by name; a name given twice is refused, at most MAX_SYSCTLS. */
export function sysctlsOf(flag: string, texts: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of texts) {
    const [name, value] = sysctlOf(flag, text);
    if (Object.hasOwn(out, name)) throw new InvalidField(flag, `names ${name} twice; give each sysctl once`);
    out[name] = value;
  }
  const n = Object.keys(out).length;
  if (n > MAX_SYSCTLS) throw new InvalidField(flag, `sets ${n} sysctls; at most ${MAX_SYSCTLS}`);
  return out;
}

/** A supplementary group: a name (`audio`) or a number (`1234`), as `docker run --group-add` takes it. */
export function groupFlag(flag: string, text: string): string {
  if (!isGroup(text)) throw new InvalidField(flag, `${said(text)} ${GROUP_RULE}`);
  return text;
}

/** Each `--group-add` read, the same group once, at most MAX_GROUPS. */
export function groupsOf(flag: string, texts: readonly string[]): string[] {
  const out: string[] = [];
  for (const text of texts) {
    const group = groupFlag(flag, text);
    if (!out.includes(group)) out.push(group);
  }
  if (out.length > MAX_GROUPS) throw new InvalidField(flag, `adds ${out.length} groups; at most ${MAX_GROUPS}`);
  return out;
}

/** The json-file driver's options Poseidon takes, by the task field each sets. */
const LOG_OPTS = new Map<string, keyof LogsField>([
  ['max-size', 'maxSize'],
  ['max-file', 'maxFiles'],
]);

/** What `--log-opt`s say of the log: each field set, or null where `KEY=` (nothing) asks for the default. */
export type LogOpts = { [K in keyof LogsField]?: LogsField[K] | null };

/**
 * `max-size=10m` (bytes, or k, m, g as docker reads them: KiB, MiB, GiB; 64 KiB to 1 GiB) and
 * `max-file=5` (1 to 100); another key is refused: Poseidon keeps json-file, which `poseidon logs`
 * reads, and what it takes are its size and its files.
 */
export function logOptsOf(flag: string, texts: readonly string[]): LogOpts {
  const out: LogOpts = {};
  for (const text of texts) {
    const eq = text.indexOf('=');
    if (eq <= 0)
      throw new InvalidField(
        flag,
        `is ${JSON.stringify(text).slice(0, 80)}; use KEY=VALUE, such as max-size=10m or max-file=5`,
      );
    const key = text.slice(0, eq);
    const value = text.slice(eq + 1);
    const field = LOG_OPTS.get(key);
    if (field === undefined)
      throw new InvalidField(
        flag,
        `${said(text)} is not taken: only max-size and max-file are, as Poseidon keeps the json-file log ` +
          'driver, which poseidon logs reads',
      );
    if (field in out) throw new InvalidField(flag, `names ${key} twice; give each once`);
    if (value === '') out[field] = null;
    else if (field === 'maxSize') out.maxSize = logSizeOf(flag, text, value);
    else out.maxFiles = logFilesOf(flag, text, value);
  }
  return out;
}

/** max-size's value, as docker reads it (`10m` is 10 MiB), as a Poseidon quantity (`10Mi`) or bytes. */
function logSizeOf(flag: string, text: string, value: string): number | string {
  const size = composeSize(value);
  if (size === undefined)
    throw new InvalidField(
      flag,
      `${said(text)} is not a size; use bytes, or a size such as 10m or 1g (MiB, GiB, as docker reads them) ` +
        'or 10Mi',
    );
  const bytes = parseQuantity(flag, size);
  if (!isLogSize(bytes))
    throw new InvalidField(flag, `${said(text)} is ${formatBytes(bytes)}; max-size ${LOG_SIZE_RULE}`);
  return size;
}

function logFilesOf(flag: string, text: string, value: string): number {
  const n = Number(value);
  if (!/^[0-9]{1,3}$/.test(value) || n < 1 || n > MAX_LOG_FILES)
    throw new InvalidField(flag, `${said(text)} is not a whole number of files from 1 to ${MAX_LOG_FILES}`);
  return n;
}

/**
 * The template's sysctls, groups and log rotation as `docker service update` changes them:
 * --sysctl-rm NAME takes one away and --sysctl-add sets one in place of its name's; --group-rm
 * takes a group away and --group-add puts one after the rest; --log-opt KEY=VALUE sets one, KEY=
 * takes it away (the default again). Removing what is not there does nothing; none left is none.
 */
export function editRuntimeOptions(task: Record<string, unknown>, flags: RuntimeUpdateFlags): void {
  editSysctls(task, flags.sysctlRm ?? [], flags.sysctlAdd ?? []);
  editGroups(task, flags.groupRm ?? [], flags.groupAdd ?? []);
  editLogs(task, flags.logOpt ?? []);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function editSysctls(task: Record<string, unknown>, remove: readonly string[], add: readonly string[]): void {
  // each read first: a bad one is refused even where there is nothing to remove
  const gone = remove.map((name) => sysctlNameFlag('--sysctl-rm', name));
  const added = sysctlsOf('--sysctl-add', add);
  if (gone.length === 0 && Object.keys(added).length === 0) return;
  const out: Record<string, unknown> = { ...(isObject(task.sysctls) ? task.sysctls : {}) };
  for (const name of gone) delete out[name];
  Object.assign(out, added);
  const n = Object.keys(out).length;
  if (n > MAX_SYSCTLS)
    throw new InvalidField('--sysctl-add', `would give the service ${n} sysctls; at most ${MAX_SYSCTLS}`);
  if (n > 0) task.sysctls = out;
  else delete task.sysctls;
}

function editGroups(task: Record<string, unknown>, remove: readonly string[], add: readonly string[]): void {
  const gone = remove.map((text) => groupFlag('--group-rm', text));
  const added = groupsOf('--group-add', add);
  if (gone.length === 0 && added.length === 0) return;
  const had = Array.isArray(task.groupAdd) ? (task.groupAdd as unknown[]) : [];
  const groups = had.filter((g) => !gone.includes(String(g)));
  for (const g of added) if (!groups.some((h) => String(h) === g)) groups.push(g);
  if (groups.length > MAX_GROUPS)
    throw new InvalidField('--group-add', `would give the service ${groups.length} groups; at most ${MAX_GROUPS}`);
  if (groups.length > 0) task.groupAdd = groups;
  else delete task.groupAdd;
}

function editLogs(task: Record<string, unknown>, texts: readonly string[]): void {
  const opts = logOptsOf('--log-opt', texts);
  if (Object.keys(opts).length === 0) return;
  const logs: Record<string, unknown> = { ...(isObject(task.logs) ? task.logs : {}) };
  for (const [field, value] of Object.entries(opts))
    if (value === null) delete logs[field];
    else logs[field] = value;
  if (Object.keys(logs).length > 0) task.logs = logs;
  else delete task.logs;
}
