import { posix } from 'node:path';
import { InvalidField } from '../errors/index.js';
import { parseDuration } from '../units/index.js';
import { parseNodeLabels } from '../task/constraint.js';
import { isDnsLabel, NAME_RULE } from '../task/name.js';
import { CAPABILITY_RULE, normalCapabilities } from '../task/container-rules.js';

// Flag values, checked at the edge: a bad one is one line naming the flag.

export function portFlag(flag: string, value: string): number {
  const n = Number(value);
  if (!/^[0-9]{1,5}$/.test(value) || n > 65535)
    throw new InvalidField(flag, `is "${value}"; use a port between 0 and 65535`);
  return n;
}

export function hostFlag(flag: string, value: string): string {
  if (!/^[A-Za-z0-9.:[\]-]{1,253}$/.test(value))
    throw new InvalidField(flag, `is "${value}"; use an address such as 127.0.0.1`);
  return value;
}

/** A node's name: a DNS label, as task names are. */
export function nameFlag(flag: string, value: string): string {
  if (!isDnsLabel(value)) throw new InvalidField(flag, `${NAME_RULE} (got ${JSON.stringify(value)})`);
  return value;
}

/**
 * A duration with its unit ("3s", "500ms", "1m"), in ms. A bare number other than 0 is refused:
 * `heartbeat-grace: 5` in a config file meant 5 ms, which marks every node Down between two beats.
 */
export function durationFlag(flag: string, value: string): number {
  if (value === '0') return 0;
  if (/^[0-9]+(\.[0-9]+)?$/.test(value))
    throw new InvalidField(flag, `is "${value}", a number without a unit; write "${value}s" for seconds (or ms, m, h)`);
  return parseDuration(flag, value);
}

/** One piece of a duration back from now: `1h`, `30m`, `2d`, `1.5h`. */
const AGO_PIECE = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/gy;
const AGO_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`, as `docker logs --since` takes it: a time (`2026-12-04T10:00:00Z`, a date
 * `2026-12-04`, or seconds since 1970) or how long ago (`10m`, `1h30m`, `2d`); in whole seconds
 * since 1970.
 */
export function sinceFlag(flag: string, value: string, now = Date.now()): number {
  return Math.floor(timeFlagMs(flag, value, now) / 1000);
}

/** A time as `sinceFlag` takes it, in milliseconds since 1970: a time given to the millisecond stays so. */
export function timeFlagMs(flag: string, value: string, now = Date.now()): number {
  if (/^[0-9]{9,12}$/.test(value)) return Number(value) * 1000;
  let agoMs = 0;
  let at = 0;
  AGO_PIECE.lastIndex = 0;
  for (let m = AGO_PIECE.exec(value); m !== null; m = AGO_PIECE.exec(value)) {
    agoMs += Number(m[1]) * (AGO_UNIT_MS[m[2] as string] as number);
    at = AGO_PIECE.lastIndex;
  }
  if (at > 0 && at === value.length) return Math.max(0, now - agoMs);
  const time = /^[0-9]{4}-[0-9]{2}-[0-9]{2}/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(time))
    throw new InvalidField(flag, `is "${value}"; give a time (2026-12-04T10:00:00Z) or how long ago (10m, 1h30m, 2d)`);
  return Math.max(0, time);
}

export function secondsFlag(flag: string, value: string): number {
  const n = Number(value);
  if (!/^[0-9]{1,6}$/.test(value)) throw new InvalidField(flag, `is "${value}"; use a whole number of seconds`);
  return n;
}

/** A whole number from `min` to `max`, e.g. a count of things at once. */
export function countFlag(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^[0-9]{1,16}$/.test(value) || n < min || n > max)
    throw new InvalidField(flag, `is "${value}"; use a whole number from ${min} to ${max}`);
  return n;
}

/** `--label key=value`, repeatable: a node's labels, bounded and checked. */
export function labelsFlag(flag: string, values: readonly string[] | undefined): Record<string, string> {
  return parseNodeLabels(flag, values ?? []);
}

/** Prefixes a worker may give; the manager's RegisterRequest takes as many. */
const MAX_HOST_PATH_PREFIXES = 32;

/**
 * `--allow-host-path DIR`, repeatable: absolute directories, resolved (`..`, `.`, trailing
 * slashes) so the prefix a task is checked against is the directory meant.
 */
export function hostPathPrefixesFlag(flag: string, values: readonly string[] | undefined): string[] {
  const list = values ?? [];
  if (list.length > MAX_HOST_PATH_PREFIXES)
    throw new InvalidField(flag, `is given ${list.length} times; at most ${MAX_HOST_PATH_PREFIXES}`);
  return list.map((value) => {
    if (!value.startsWith('/') || value.includes('\0') || value.length > 4096)
      throw new InvalidField(flag, `is "${value.slice(0, 80)}"; use an absolute directory such as /srv/poseidon`);
    return posix.resolve(value);
  });
}

/**
 * `--allow-cap CAP`, repeatable or comma-separated: the capabilities beyond Docker's default set a
 * worker gives tasks that ask (`NET_ADMIN`, `cap_sys_ptrace`; `ALL` for any), as Docker names them.
 */
export function capabilitiesFlag(flag: string, values: readonly string[] | undefined): string[] {
  return normalCapabilities(
    (values ?? []).flatMap((v) => v.split(',')),
    (text) => new InvalidField(flag, `${CAPABILITY_RULE} (got ${JSON.stringify(text).slice(0, 40)})`),
  );
}

/** `NAME=value` flags (`--env`, `--label`); a bare NAME takes its value from `from` when given. */
export function pairs(
  flag: string,
  values: readonly string[] | undefined,
  from?: NodeJS.ProcessEnv,
): Record<string, string> | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq > 0) {
      out[v.slice(0, eq)] = v.slice(eq + 1);
      continue;
    }
    const value = eq < 0 && from !== undefined && v !== '' ? from[v] : undefined;
    if (value === undefined)
      throw new InvalidField(
        flag,
        from === undefined || eq === 0 || v === ''
          ? `is ${JSON.stringify(v)}; use NAME=value`
          : `is ${JSON.stringify(v)}, which is not set here; use NAME=value, or set it first`,
      );
    out[v] = value;
  }
  return out;
}
