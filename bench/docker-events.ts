/**
 * Wall-clock ms with sub-ms resolution, comparable with the engine's event times: both read
 * the same host clock. (Date.now() has 1 ms steps, too coarse for a phase of a few ms.)
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
