import { RemoteError } from '../errors/index.js';

// `poseidon run IMAGE`, `service create IMAGE` and `service update` build a spec from flags, and
// the manager checks it against the spec schema, naming a field (`update.parallelism must be at
// least 1 and at most 10000`). The user typed flags, not fields: this table maps each field back
// to the flags that set it, so the refusal names the flag (`--update-parallelism must be ...`).
// A task file or service file keeps the manager's words: there the field is what the user wrote.

/**
 * Each field the flags set, by its path in a service spec (a task's own fields are its template's,
 * under `task.`), and the flags that set it in run, service create and service update. IMAGE and
 * COMMAND are the operands. A field under another (`task.healthCheck.interval`) comes first.
 */
export const FIELD_FLAGS: ReadonlyArray<readonly [field: string, flags: readonly string[]]> = [
  ['name', ['--name']],
  ['mode', ['--mode']],
  ['replicas', ['--replicas']],
  ['maxConcurrent', ['--max-concurrent']],
  ['preferences', ['--placement-pref', '--placement-pref-add']],
  ['update.parallelism', ['--update-parallelism']],
  ['update.delay', ['--update-delay']],
  ['update.order', ['--update-order']],
  ['update.failureAction', ['--update-failure-action']],
  ['update.monitor', ['--update-monitor']],
  ['forceUpdate', ['--force']],
  ['task.name', ['--name']],
  ['task.image', ['IMAGE', '--image']],
  ['task.command', ['COMMAND', '--args']],
  ['task.entrypoint', ['--entrypoint']],
  ['task.env', ['--env', '--env-add']],
  ['task.labels', ['--label', '--label-add']],
  ['task.ports', ['--publish', '--expose', '--publish-add']],
  ['task.volumes', ['--volume']],
  ['task.tmpfs', ['--tmpfs', '--tmpfs-add']],
  ['task.secrets', ['--secret', '--secret-add']],
  ['task.configs', ['--config', '--config-add']],
  ['task.constraints', ['--constraint', '--constraint-add']],
  ['task.cpu', ['--cpu']],
  ['task.memory', ['--memory']],
  ['task.cpuLimit', ['--cpu-limit']],
  ['task.pidsLimit', ['--pids-limit']],
  ['task.restartPolicy', ['--restart']],
  ['task.pull', ['--pull']],
  ['task.user', ['--user']],
  ['task.workdir', ['--workdir']],
  ['task.stopSignal', ['--stop-signal']],
  ['task.stopGracePeriod', ['--stop-grace-period']],
  ['task.readOnlyRootfs', ['--read-only', '--no-read-only']],
  ['task.hostname', ['--hostname']],
  ['task.extraHosts', ['--add-host', '--host-add']],
  ['task.shmSize', ['--shm-size']],
  ['task.ulimits', ['--ulimit', '--ulimit-add']],
  ['task.capAdd', ['--cap-add']],
  ['task.capDrop', ['--cap-drop']],
  ['task.sysctls', ['--sysctl', '--sysctl-add']],
  ['task.groupAdd', ['--group-add']],
  ['task.logs', ['--log-opt']],
  ['task.healthCheck.interval', ['--health-interval']],
  ['task.healthCheck.timeout', ['--health-timeout']],
  ['task.healthCheck.failureThreshold', ['--health-retries']],
  ['task.healthCheck.startPeriod', ['--health-start-period']],
  // the settings not given are --health-cmd's defaults
  ['task.healthCheck', ['--health-cmd']],
  ['task.imageHealthCheck', ['--no-healthcheck']],
];

/**
 * The flags given, as they are spelled (`--update-parallelism`, `--no-healthcheck`), from
 * commander's options (`updateParallelism`, `healthcheck: false`), after the operands given.
 */
export function flagsGiven(flags: object, operands: readonly string[] = []): string[] {
  const out = [...operands];
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    const name = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    out.push(value === false ? `--no-${name}` : `--${name}`);
  }
  return out;
}

/**
 * The flag that set `path` (a service spec's), of those given: the one of the nearest field at or
 * above it whose flags were given; undefined when no flag given set it (the file or the service
 * had it already).
 */
export function flagOfField(path: string, given: readonly string[]): { flag: string; field: string } | undefined {
  for (const [field, flags] of FIELD_FLAGS) {
    if (path !== field && !path.startsWith(`${field}.`) && !path.startsWith(`${field}[`)) continue;
    const flag = flags.find((f) => given.includes(f));
    if (flag !== undefined) return { flag, field };
  }
  return undefined;
}

/**
 * The manager's refusal of a spec the flags built, naming the flag in place of the field it
 * starts with: `--update-parallelism must be ...`; a field below the flag's is said after it,
 * `--entrypoint (entrypoint[0]) expected ...`. `form` is what was sent: a task spec (`run`), whose
 * fields are a template's, or a service spec. Anything else comes back as it was.
 */
export function namingFlags(err: unknown, given: readonly string[], form: 'task' | 'service'): unknown {
  return renamingField(err, (said) => {
    const path = form === 'task' ? `task.${said}` : said;
    const found = flagOfField(path, given);
    if (found === undefined) return undefined;
    return path === found.field ? found.flag : `${found.flag} (${said})`;
  });
}

/**
 * A manager's refusal (`invalid_request`) whose message starts with a field, that field put as
 * `name` says (the flag that set it); any other error, or a field `name` has nothing for, as it was.
 */
export function renamingField(err: unknown, name: (field: string) => string | undefined): unknown {
  if (!(err instanceof RemoteError) || err.code !== 'invalid_request') return err;
  const space = err.message.indexOf(' ');
  const said = space > 0 ? name(err.message.slice(0, space)) : undefined;
  return said === undefined ? err : new RemoteError(err.code, err.status, `${said}${err.message.slice(space)}`);
}
