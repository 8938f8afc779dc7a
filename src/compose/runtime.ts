import type { TaskTemplate } from '../api/index.js';
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
import { composeBytes } from './deploy.js';
import { COMPOSE_KEYS } from './spec-keys.js';
import {
  asInteger,
  asList,
  asMap,
  asString,
  composeError,
  isMap,
  fieldPath,
  shown,
  type ComposeMap,
  type Findings,
} from './values.js';

// A service's sysctls (a mapping of names to values, or a list of "name=value"), group_add (a
// list of names or numbers) and logging (options.max-size and options.max-file: its log's
// rotation) as Compose writes them; the rules are the task's (src/task/runtime-rules.ts). null is
// as absent; a bad value is refused naming its path. Poseidon keeps the json-file log driver,
// which `poseidon logs` reads: another driver, and options other than those two, are noted.

type RuntimeFields = Pick<TaskTemplate, 'sysctls' | 'groupAdd' | 'logs'>;

export function composeRuntimeFields(map: ComposeMap, at: (key: string) => string, found: Findings): RuntimeFields {
  const out: RuntimeFields = {};
  const given = (key: string): unknown => (map[key] === null ? undefined : map[key]);
  if (given('sysctls') !== undefined) {
    const sysctls = sysctlsOf(map['sysctls'], at('sysctls'));
    if (Object.keys(sysctls).length > 0) out.sysctls = sysctls;
  }
  if (given('group_add') !== undefined) {
    const groups = groupsOf(map['group_add'], at('group_add'));
    if (groups.length > 0) out.groupAdd = groups;
  }
  if (given('logging') !== undefined) {
    const logs = logsOf(map['logging'], at('logging'), found);
    if (Object.keys(logs).length > 0) out.logs = logs;
  }
  return out;
}

/**
 * `{net.core.somaxconn: 1024}` or `["net.core.somaxconn=1024"]`, each value as text; a name given
 * twice in the list is refused.
 */
function sysctlsOf(value: unknown, path: string): Record<string, string> {
  const entries: Array<[string, string, unknown]> = isMap(value)
    ? Object.entries(value).map(([name, v]) => [fieldPath(path, name), name, v])
    : asList(value, path).map((entry, i) => {
        const where = fieldPath(path, i);
        const text = asString(entry, where);
        const eq = text.indexOf('=');
        if (eq <= 0)
          throw composeError(where, `must be NAME=VALUE, such as net.core.somaxconn=1024 (got ${shown(text)})`);
        return [where, text.slice(0, eq), text.slice(eq + 1)];
      });
  const out: Record<string, string> = {};
  for (const [where, name, v] of entries) {
    if (!isNamespacedSysctl(name)) throw composeError(where, SYSCTL_RULE);
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v)))
      throw composeError(where, `must be a string or a number (got ${shown(v)})`);
    const text = String(v);
    if (!isSysctlValue(text)) throw composeError(where, `${SYSCTL_VALUE_RULE} (got ${shown(text)})`);
    if (Object.hasOwn(out, name)) throw composeError(where, `names ${name} again; give each sysctl once`);
    out[name] = text;
  }
  const n = Object.keys(out).length;
  if (n > MAX_SYSCTLS) throw composeError(path, `sets ${n} sysctls; at most ${MAX_SYSCTLS}`);
  return out;
}

/** `[audio, 1234]`: names or numbers (YAML's numbers as text), each once. */
function groupsOf(value: unknown, path: string): string[] {
  const out: string[] = [];
  asList(value, path).forEach((entry, i) => {
    const where = fieldPath(path, i);
    if (typeof entry !== 'string' && typeof entry !== 'number')
      throw composeError(where, `must be a group name or number (got ${shown(entry)})`);
    const group = String(entry);
    if (!isGroup(group)) throw composeError(where, `${GROUP_RULE} (got ${shown(entry)})`);
    if (!out.includes(group)) out.push(group);
  });
  if (out.length > MAX_GROUPS) throw composeError(path, `adds ${out.length} groups; at most ${MAX_GROUPS}`);
  return out;
}

type Logs = NonNullable<TaskTemplate['logs']>;

const LOGGING_KEYS = new Set(['driver', 'options']);
const LOG_OPTIONS = new Set(['max-size', 'max-file']);

/** `logging: {driver: json-file, options: {max-size: 50m, max-file: "5"}}`: the log's rotation. */
function logsOf(value: unknown, path: string, found: Findings): Logs {
  const logging = asMap(value, path);
  found.unknownKeys(logging, path, LOGGING_KEYS, COMPOSE_KEYS.logging);
  const driver = logging['driver'];
  if (driver !== undefined && driver !== null) {
    const name = asString(driver, fieldPath(path, 'driver'));
    if (name !== 'json-file')
      found.unsupported.push(
        `${fieldPath(path, 'driver')} (${shown(name)}: Poseidon keeps json-file, which poseidon logs reads)`,
      );
  }
  const out: Logs = {};
  const optionsPath = fieldPath(path, 'options');
  if (logging['options'] === undefined || logging['options'] === null) return out;
  const options = asMap(logging['options'], optionsPath);
  found.unknownKeys(options, optionsPath, LOG_OPTIONS, COMPOSE_KEYS.loggingOptions);
  const size = options['max-size'];
  if (size !== undefined && size !== null) {
    const where = fieldPath(optionsPath, 'max-size');
    const maxSize = composeBytes(size, where);
    const bytes = parseQuantity(where, maxSize);
    if (!isLogSize(bytes)) throw composeError(where, `is ${shown(size)} (${formatBytes(bytes)}); ${LOG_SIZE_RULE}`);
    out.maxSize = maxSize;
  }
  const files = options['max-file'];
  if (files !== undefined && files !== null)
    out.maxFiles = asInteger(files, fieldPath(optionsPath, 'max-file'), 1, MAX_LOG_FILES);
  return out;
}
