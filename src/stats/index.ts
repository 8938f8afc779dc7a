// Host metrics read from /proc and statfs: the numbers a worker reports about its machine.

/** Reads a HostSnapshot; start() samples /proc/stat every interval (unref'd timer), stop() is idempotent. */
export { HostMetrics } from './host-metrics.js';
/** HostMetrics' constructor deps: diskPath, procRoot (default /proc), sampleIntervalMs (default 1000). */
export type { HostMetricsDeps } from './host-metrics.js';
/** What HostMetrics.read() returns: cores, cpuUsage 0..1, load, memory and disk in bytes, uptime in seconds. */
export type { HostSnapshot } from './host-metrics.js';
/** Total and unprivileged-free bytes of the filesystem holding a path (statfs). */
export { readDiskSpace } from './disk-space.js';
/** { path, totalBytes, freeBytes } of one filesystem. */
export type { DiskSpace } from './disk-space.js';
/** Cumulative cpu times of the whole machine from the text of /proc/stat; throws on malformed text. */
export { parseProcStat } from './proc-parse.js';
/** { load1, load5, load15 } from the text of /proc/loadavg; throws on malformed text. */
export { parseLoadAvg } from './proc-parse.js';
/** { totalBytes, availableBytes } from the text of /proc/meminfo (kB converted to bytes); throws on malformed text. */
export { parseMemInfo } from './proc-parse.js';
/** Seconds since boot from the text of /proc/uptime; throws on malformed text. */
export { parseUptime } from './proc-parse.js';
/** A process's state, cpu ticks and start (ticks after boot) from /proc/<pid>/stat; throws on malformed text. */
export { parseProcessStat, type ProcessStat } from './proc-parse.js';
/** Jiffies (USER_HZ ticks) per state: user, nice, system, idle, iowait, irq, softirq, steal. */
export type { CpuTimes } from './proc-parse.js';
/** Run-queue averages over 1, 5 and 15 minutes. */
export type { LoadAverage } from './proc-parse.js';
/** Physical memory in bytes: totalBytes, availableBytes. */
export type { MemoryInfo } from './proc-parse.js';
/** Busy fraction 0..1 between two CpuTimes samples (iowait counts as idle); 0 when no time passed. */
export { cpuUsageBetween } from './cpu-usage.js';
/**
 * Host ports held on this machine (listening tcp, bound udp), from /proc/net, where a container publishing on an
 * address would bind them, as "8080/tcp"; blocksPublish says which sockets count.
 */
export { readHeldPorts, parseHeldSockets, blocksPublish, type HeldSocket } from './held-ports.js';
/** The host's IPv4 routes (block "10.1.0.0/16" and interface; not the default route), from /proc/net/route. */
export { readHostRoutes, parseRouteTable } from './host-routes.js';
/** The host's Linux bridges (Docker's networks, Poseidon's own), from /sys/class/net. */
export { readBridges } from './host-bridges.js';
/** This machine's identity: a hash of /etc/machine-id, else of the host name. */
export { readHostId } from './host-id.js';
