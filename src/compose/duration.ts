import { MAX_DURATION_MS } from '../units/index.js';
import { composeError, shown } from './values.js';

// Compose durations are Go's: one or more number+unit pairs ("1m30s", "1h", "500ms", "1.5s",
// "10us"). Poseidon's are one number and a unit, so each is turned into milliseconds and written
// back as Poseidon spells it ("90s", "1500ms").

const PART = /([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)/gy;
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Milliseconds from a Compose duration. A bare number is refused: tools read it as seconds or as
 * nanoseconds, and a guess would be silently wrong by a factor of a billion.
 */
export function composeDurationMs(value: unknown, path: string): number {
  if (typeof value !== 'string' || value.trim() === '')
    throw composeError(
      path,
      `must be a duration with its unit, such as "30s", "1m30s" or "500ms" (got ${shown(value)})`,
    );
  const ms = parseGoDuration(value.trim(), path);
  // a part of a millisecond (10us) is a whole one: Poseidon counts in milliseconds
  const whole = ms <= 0 ? 0 : Math.ceil(ms - 1e-9);
  if (whole > MAX_DURATION_MS) throw composeError(path, `is ${shown(value)}; durations run from 0 to 24h`);
  return whole;
}

function parseGoDuration(text: string, path: string): number {
  if (text === '0') return 0;
  PART.lastIndex = 0;
  let ms = 0;
  let parts = 0;
  while (PART.lastIndex < text.length) {
    const m = PART.exec(text);
    if (m === null) break;
    ms += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
    parts += 1;
  }
  if (parts === 0 || PART.lastIndex !== text.length || !Number.isFinite(ms))
    throw composeError(path, `is "${text}"; use a duration such as "30s", "1m30s" or "500ms"`);
  return ms;
}

/**
 * Poseidon's spelling of `ms` in a converted Compose file: "90s" when whole seconds, else
 * "1500ms". Never "1m": a stack converted before must compare equal, or deploy would update it.
 */
export function secondsOrMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A Compose duration at `path`, in Poseidon's spelling. */
export function composeDuration(value: unknown, path: string): string {
  return secondsOrMs(composeDurationMs(value, path));
}
