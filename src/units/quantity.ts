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

/**
 * The most bytes a quantity may say: 4 PiB (2^52). No node has more memory (x86-64 and arm64
 * address at most 2^52 bytes), a task asks no more disk, and below it a byte count is exact in a
 * JSON number. More is a typo (`100000000000Gi`): refused where it is read, not left pending for
 * a node that cannot exist.
 */
export const MAX_QUANTITY_BYTES = 2 ** 52;

/** "256Mi" -> 268435456; a number is bytes already. At most MAX_QUANTITY_BYTES. */
export function parseQuantity(field: string, value: number | string): number {
  let bytes: number;
  if (typeof value === 'number') {
    bytes = value;
  } else {
    const m = QUANTITY.exec(value);
    const unit = UNITS[m?.[2] ?? ''];
    if (m === null || unit === undefined)
      throw new InvalidField(field, `is "${value}"; use bytes or a quantity such as "256Mi" or "1Gi"`);
    bytes = Math.round(Number(value.slice(0, value.length - (m[2]?.length ?? 0))) * unit);
  }
  if (bytes > MAX_QUANTITY_BYTES)
    throw new InvalidField(
      field,
      `is ${JSON.stringify(value)}; at most ${formatBytes(MAX_QUANTITY_BYTES)}, more than any node has`,
    );
  return bytes;
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

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] as const;

/**
 * 268435456 -> "256 MiB", for messages a person reads: in the largest unit that leaves at least 1
 * (below 1024, one decimal unless whole); past YiB, bytes in scientific notation ("1.24e+27 B").
 */
export function formatBytes(bytes: number): string {
  let v = bytes;
  let i = 0;
  // 1023.97 KiB would read 1024.0 KiB: rounded, it is 1 MiB
  while (Math.abs(Number.isInteger(v) ? v : Number(v.toFixed(1))) >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i += 1;
  }
  if (Math.abs(v) >= 1024) return `${bytes.toExponential(2)} B`;
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${BYTE_UNITS[i]}`;
}
