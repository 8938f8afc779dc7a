import { InvalidField, type FieldNamer } from '../errors/index.js';
import { formatBytes, parseQuantity } from '../units/index.js';
import type { TaskRequest } from './request.js';
import {
  isLogSize,
  isNamespacedSysctl,
  isSysctlValue,
  LOG_SIZE_RULE,
  SYSCTL_RULE,
  SYSCTL_VALUE_RULE,
} from './runtime-rules.js';
import type { TaskSpec } from './spec.js';

// A task's sysctls, supplementary groups and log rotation (runtime-rules.ts), read from a spec
// into a request, each set only when given (so records stored before are alike).

export function parseRuntimeOptions(spec: TaskSpec, request: TaskRequest, f: FieldNamer): void {
  if (spec.sysctls !== undefined && Object.keys(spec.sysctls).length > 0) request.sysctls = sysctlsOf(spec.sysctls, f);
  if (spec.groupAdd !== undefined && spec.groupAdd.length > 0) request.groupAdd = [...new Set(spec.groupAdd)];
  const logs = spec.logs;
  if (logs === undefined) return;
  if (logs.maxSize !== undefined) {
    const bytes = parseQuantity(f('logs.maxSize'), logs.maxSize);
    if (!isLogSize(bytes)) throw new InvalidField(f('logs.maxSize'), `is ${formatBytes(bytes)}; ${LOG_SIZE_RULE}`);
    request.logMaxBytes = bytes;
  }
  if (logs.maxFiles !== undefined) request.logMaxFiles = logs.maxFiles; // its bounds are the schema's
}

/** Each sysctl by name, in name order, its value as text; one the container has no copy of is refused. */
function sysctlsOf(sysctls: Readonly<Record<string, string | number>>, f: FieldNamer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(sysctls).sort()) {
    const at = f(`sysctls.${name.slice(0, 64)}`);
    if (!isNamespacedSysctl(name)) throw new InvalidField(at, SYSCTL_RULE);
    const value = String(sysctls[name]);
    if (!isSysctlValue(value)) throw new InvalidField(at, SYSCTL_VALUE_RULE);
    out[name] = value;
  }
  return out;
}
