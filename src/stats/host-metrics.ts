import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuUsageBetween } from './cpu-usage.js';
import { readProcFile } from './proc-file.js';
import { readDiskSpace, type DiskSpace } from './disk-space.js';
import {
  parseLoadAvg,
  parseMemInfo,
  parseProcStat,
  parseUptime,
  type CpuTimes,
  type LoadAverage,
  type MemoryInfo,
} from './proc-parse.js';

const DEFAULT_PROC_ROOT = '/proc';
const DEFAULT_SAMPLE_INTERVAL_MS = 1_000;
// When nobody started sampling, read() measures over this gap: long enough for a few ticks at
// USER_HZ=100 on every core, short enough for a CLI command or a first heartbeat.
const UNSTARTED_SAMPLE_GAP_MS = 100;

export interface HostMetricsDeps {
  /** Where procfs is mounted; tests point it at a folder of sample files. */
  procRoot?: string;
  /** A path on the filesystem whose size and free space are reported (the worker's data folder). */
  diskPath: string;
  /** How often start() samples /proc/stat; cpuUsage covers the last such interval. */
  sampleIntervalMs?: number;
}

/** What one host has and uses right now. */
export interface HostSnapshot {
  /** Cores this process may use (os.availableParallelism()). */
  cpuCores: number;
  /** Busy fraction of all cores, 0..1, over the last sample interval (or 100ms when not started). */
  cpuUsage: number;
  load: LoadAverage;
  memory: MemoryInfo;
  disk: DiskSpace;
  uptimeSeconds: number;
}

/** Reads host metrics from procfs and statfs; start() keeps a cpu sample ready between reads. */
export class HostMetrics {
  readonly #procRoot: string;
  readonly #diskPath: string;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  // The two latest /proc/stat samples, one interval apart, while started.
  #previous: CpuTimes | undefined;
  #latest: CpuTimes | undefined;
  #sampleError: unknown;

  constructor(deps: Readonly<HostMetricsDeps>) {
    this.#procRoot = deps.procRoot ?? DEFAULT_PROC_ROOT;
    this.#diskPath = deps.diskPath;
    this.#intervalMs = deps.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS;
  }

  /** Samples /proc/stat now and every interval. Idempotent. The timer never keeps the process alive. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#sampleSoon();
    this.#timer = setInterval(() => this.#sampleSoon(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops sampling and waits for a sample in progress. Idempotent. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
    if (this.#timer === undefined) {
      // Samples from before a restart would make the first interval after it span the pause.
      this.#previous = undefined;
      this.#latest = undefined;
      this.#sampleError = undefined;
    }
  }

  /** Reads everything; rejects with an Error naming the file when /proc or the disk path cannot be read. */
  async read(): Promise<HostSnapshot> {
    const [cpuUsage, load, memory, disk, uptimeSeconds] = await Promise.all([
      this.#cpuUsage(),
      this.#readProc('loadavg', parseLoadAvg),
      this.#readProc('meminfo', parseMemInfo),
      readDiskSpace(this.#diskPath),
      this.#readProc('uptime', parseUptime),
    ]);
    return { cpuCores: availableParallelism(), cpuUsage, load, memory, disk, uptimeSeconds };
  }

  async #cpuUsage(): Promise<number> {
    if (this.#timer !== undefined) {
      if (this.#sampleError !== undefined) throw this.#sampleError;
      if (this.#previous !== undefined && this.#latest !== undefined) {
        return cpuUsageBetween(this.#previous, this.#latest);
      }
    }
    // Not started, or started less than one interval ago.
    const before = await this.#readProc('stat', parseProcStat);
    await sleep(UNSTARTED_SAMPLE_GAP_MS);
    return cpuUsageBetween(before, await this.#readProc('stat', parseProcStat));
  }

  #sampleSoon(): void {
    if (this.#inFlight !== undefined) return; // a slow read is not overlapped by the next tick
    this.#inFlight = this.#sample().finally(() => {
      this.#inFlight = undefined;
    });
  }

  async #sample(): Promise<void> {
    try {
      const times = await this.#readProc('stat', parseProcStat);
      this.#previous = this.#latest;
      this.#latest = times;
      this.#sampleError = undefined;
    } catch (err) {
      this.#sampleError = err; // no one awaits a tick, so read() reports it
    }
  }

  #readProc<T>(name: string, parse: (text: string) => T): Promise<T> {
    return readProcFile(join(this.#procRoot, name), parse);
  }
}
