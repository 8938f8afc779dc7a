import type { CpuTimes } from './proc-parse.js';

/**
 * The fraction (0..1) of cpu time spent busy between two /proc/stat samples, over all cores.
 * Waiting for I/O counts as idle: the cpu was free to run something else. Returns 0 when no time
 * passed between the samples.
 */
export function cpuUsageBetween(before: CpuTimes, after: CpuTimes): number {
  const idle = after.idle + after.iowait - (before.idle + before.iowait);
  const busy = busyOf(after) - busyOf(before);
  const total = idle + busy;
  if (total <= 0) return 0;
  // proc(5): iowait can go down between reads, so the ratio may leave 0..1 by a few ticks.
  return Math.min(1, Math.max(0, busy / total));
}

function busyOf(t: CpuTimes): number {
  return t.user + t.nice + t.system + t.irq + t.softirq + t.steal;
}
