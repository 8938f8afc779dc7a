import { InvalidField } from '../errors/index.js';

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_TTL_MS = 3_650 * 86_400_000;

/** "30d" -> milliseconds: whole seconds, minutes, hours or days, from 1s to 3650d (ten years). */
export function parseTtl(field: string, value: string): number {
  const m = /^([0-9]{1,7})(s|m|h|d)$/.exec(value);
  const unit = UNIT_MS[m?.[2] ?? ''];
  const ms = m === null || unit === undefined ? Number.NaN : Number(m[1]) * unit;
  if (!(ms >= 1_000 && ms <= MAX_TTL_MS))
    throw new InvalidField(field, `is "${value}"; use a duration from 1s to 3650d, such as "30d", "12h" or "90m"`);
  return ms;
}
