import { InvalidField } from '../errors/index.js';

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};
export const QUANTITY_PATTERN = '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$';
const QUANTITY = new RegExp(QUANTITY_PATTERN);

/** "256Mi" -> 268435456; a number is bytes already. */
export function parseQuantity(field: string, value: number | string): number {
  if (typeof value === 'number') return value;
  const m = QUANTITY.exec(value);
  const unit = UNITS[m?.[2] ?? ''];
  if (m === null || unit === undefined)
    throw new InvalidField(field, `is "${value}"; use bytes or a quantity such as "256Mi" or "1Gi"`);
  return Math.round(Number(value.slice(0, value.length - (m[2]?.length ?? 0))) * unit);
}

const DURATION = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/;
const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$';

/**
 * The longest duration anything accepts (backoff, intervals, timeouts, waits): 24 hours. Beyond
 * it a value is a typo, and past 2^31-1 ms (about 24.8 days) Node fires a timer at once instead
 * of late, so a "700h" backoff made the manager re-arm its timer every millisecond.
 */
export const MAX_DURATION_MS = 24 * 3_600_000;

/** "500ms" | "2s" | "1m" | "1h" -> milliseconds; a bare number is milliseconds. At most MAX_DURATION_MS. */
export function parseDuration(field: string, value: number | string): number {
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else {
    const m = DURATION.exec(value);
    const unit = DURATION_UNITS[m?.[2] ?? ''];
    if (m === null || unit === undefined)
      throw new InvalidField(field, `is "${value}"; use a duration such as "500ms", "2s" or "1m"`);
    ms = Math.round(Number(m[1]) * unit);
  }
  if (!(ms >= 0 && ms <= MAX_DURATION_MS))
    throw new InvalidField(field, `is ${JSON.stringify(value)}; durations run from 0 to 24h`);
  return ms;
}

/**
 * 600000 -> "10m", 5000 -> "5s", 1500 -> "1500ms": milliseconds in the largest of h, m, s that
 * divides them, for messages a person reads; parseDuration reads it back to the same number.
 */
export function formatDuration(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** 268435456 -> "256Mi", for messages a person reads. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}
