// Formatting for the `schedule` benchmark's tables beyond bench/table.ts's timing table:
// placements per second, growth ratios and spread figures are not milliseconds.

/** 1234567.8 → "1,234,568". */
export function thousands(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Placements per second from microseconds per placement. */
export function perSecond(microsPerPlacement: number): number {
  return 1e6 / microsPerPlacement;
}

/** "x1.26". */
export function ratio(value: number): string {
  return `x${value.toFixed(2)}`;
}

/** 0.6885 → "68.85%". */
export function percent(share: number, digits = 2): string {
  return `${(share * 100).toFixed(digits)}%`;
}

/** "+0.64 pp" / "−0.10 pp": a difference of two shares, in percentage points. */
export function points(difference: number): string {
  const pp = difference * 100;
  return `${pp < 0 ? '−' : '+'}${Math.abs(pp).toFixed(2)} pp`;
}

/** 0.00015 → "+0.015%": a relative difference, with enough digits to show a small one. */
export function signedPercent(relative: number): string {
  const pct = relative * 100;
  return `${pct < 0 ? '−' : '+'}${Math.abs(pct).toPrecision(2)}%`;
}
