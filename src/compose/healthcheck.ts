import type { TaskTemplate } from '../api/index.js';
import { composeDurationMs, secondsOrMs } from './duration.js';
import { COMPOSE_KEYS } from './spec-keys.js';
import {
  asBoolean,
  asInteger,
  asList,
  asMap,
  asScalarText,
  composeError,
  fieldPath,
  shown,
  type Findings,
} from './values.js';

type HealthCheckSpec = NonNullable<TaskTemplate['healthCheck']>;

// `healthcheck:` as Docker runs it: `test` ["CMD", ...] runs the words as they are,
// ["CMD-SHELL", "text"] (or a plain string) runs `/bin/sh -c text`, ["NONE"] or `disable: true`
// turns the check off. Values left out take Docker's defaults (interval 30s, timeout 30s,
// retries 3), not Poseidon's, so a file means what it meant under Docker.

const KEYS = new Set(['test', 'interval', 'timeout', 'retries', 'start_period', 'start_interval', 'disable']);
/** Docker's health check defaults, which `poseidon run --health-cmd` takes too. */
export const DOCKER_INTERVAL_MS = 30_000;
export const DOCKER_TIMEOUT_MS = 30_000;
export const DOCKER_RETRIES = 3;

/**
 * The exec check of `value`; 'off' when the file turns checks off (the image's HEALTHCHECK too, as
 * `disable: true` and `["NONE"]` do under Docker); undefined when it gives no test (the image's runs).
 */
export function composeHealthCheck(value: unknown, path: string, found: Findings): HealthCheckSpec | 'off' | undefined {
  const map = asMap(value, path);
  found.unknownKeys(map, path, KEYS, COMPOSE_KEYS.healthcheck);
  if (map['start_interval'] !== undefined) found.unsupported.push(fieldPath(path, 'start_interval'));
  if (map['disable'] !== undefined && asBoolean(map['disable'], fieldPath(path, 'disable'))) return 'off';
  if (map['test'] === undefined) {
    found.unsupported.push(`${path} (no test: the image's own HEALTHCHECK runs, with its own timing)`);
    return undefined;
  }
  const command = testCommand(map['test'], fieldPath(path, 'test'));
  if (command === undefined) return 'off';
  const intervalMs =
    map['interval'] === undefined
      ? DOCKER_INTERVAL_MS
      : composeDurationMs(map['interval'], fieldPath(path, 'interval'));
  if (intervalMs <= 0) throw composeError(fieldPath(path, 'interval'), 'must be above 0');
  const timeoutMs =
    map['timeout'] === undefined
      ? Math.min(DOCKER_TIMEOUT_MS, intervalMs)
      : composeDurationMs(map['timeout'], fieldPath(path, 'timeout'));
  if (timeoutMs > intervalMs) {
    throw composeError(
      fieldPath(path, 'timeout'),
      `(${secondsOrMs(timeoutMs)}) is longer than the interval (${secondsOrMs(intervalMs)}); ` +
        'Poseidon runs one check at a time',
    );
  }
  const check: HealthCheckSpec = {
    type: 'exec',
    command,
    interval: secondsOrMs(intervalMs),
    timeout: secondsOrMs(timeoutMs),
    failureThreshold:
      map['retries'] === undefined ? DOCKER_RETRIES : asInteger(map['retries'], fieldPath(path, 'retries'), 1),
  };
  if (map['start_period'] !== undefined)
    check.startPeriod = secondsOrMs(composeDurationMs(map['start_period'], fieldPath(path, 'start_period')));
  return check;
}

function testCommand(test: unknown, path: string): string[] | undefined {
  if (typeof test === 'string') {
    // Compose runs a string with /bin/sh -c: "NONE" or "CMD curl …" would fail every check, and
    // a failing replica is restarted here, so what the file surely meant is asked for
    const first = test.trim().split(/\s+/)[0] ?? '';
    if (first === 'NONE')
      throw composeError(path, 'is "NONE" as a string, which a shell would run; write [NONE] or disable: true');
    if (first === 'CMD' || first === 'CMD-SHELL')
      throw composeError(
        path,
        `is ${shown(test)} as one string, which a shell would run, ${first} and all; write it as a list ` +
          `(["${first}", …]) or the command line alone`,
      );
    return shellCommand(test, path);
  }
  const words = asList(test, path).map((w, i) => asScalarText(w, fieldPath(path, i)));
  const [kind, ...rest] = words;
  if (kind === 'NONE') return undefined;
  if (kind === 'CMD') {
    if (rest.length === 0) throw composeError(path, 'names no command after "CMD"');
    return rest;
  }
  if (kind === 'CMD-SHELL') {
    if (rest.length !== 1)
      throw composeError(path, `must be ["CMD-SHELL", "one command line"] (got ${rest.length} words after it)`);
    return shellCommand(rest[0] ?? '', path);
  }
  throw composeError(path, `must start with "CMD", "CMD-SHELL" or "NONE" (got ${shown(kind)})`);
}

/** A command line as Docker's CMD-SHELL runs it. */
export function shellCommand(text: string, path: string): string[] {
  if (text.trim() === '') throw composeError(path, 'is an empty command');
  return ['/bin/sh', '-c', text];
}
