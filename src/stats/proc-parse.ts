// Pure parsers for the /proc files HostMetrics reads. They take the file's text and throw a plain
// Error saying what is wrong with it; the reader adds the file's path to the message.

/**
 * Cumulative cpu time since boot from the aggregate `cpu` line of /proc/stat, in USER_HZ ticks
 * (jiffies). Columns an older kernel does not print (iowait before 2.5.41, irq and softirq before
 * 2.6.0, steal before 2.6.11) are 0.
 */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

/** Run-queue averages over 1, 5 and 15 minutes, from /proc/loadavg. */
export interface LoadAverage {
  load1: number;
  load5: number;
  load15: number;
}

/** Physical memory from /proc/meminfo, in bytes. */
export interface MemoryInfo {
  totalBytes: number;
  availableBytes: number;
}

// Order of the columns after "cpu". guest and guest_nice follow steal, but the kernel already
// counts them in user and nice, so adding them would count guest time twice.
const CPU_COLUMNS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
// user nice system idle is all that 2.4 kernels print; fewer than that is not /proc/stat.
const MIN_CPU_COLUMNS = 4;

const INTEGER = /^\d+$/;
const DECIMAL = /^\d+(\.\d+)?$/;

/** Parses the text of /proc/stat into cumulative cpu times of the whole machine. */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (line === undefined) throw new Error('has no aggregate "cpu" line');
  const columns = fieldsOf(line).slice(1);
  if (columns.length < MIN_CPU_COLUMNS) {
    throw new Error(`"cpu" line has ${columns.length} columns; expected at least ${MIN_CPU_COLUMNS}`);
  }
  const times: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
  CPU_COLUMNS.forEach((name, i) => {
    const token = columns[i];
    if (token !== undefined) times[name] = numberFrom(token, INTEGER, `"cpu" ${name}`);
  });
  return times;
}

/** Parses the text of /proc/loadavg ("0.12 0.11 0.04 1/100 4569"). */
export function parseLoadAvg(text: string): LoadAverage {
  const [one, five, fifteen] = fieldsOf(text);
  if (one === undefined || five === undefined || fifteen === undefined) {
    throw new Error(`has ${fieldsOf(text).length} fields; expected at least 3`);
  }
  return {
    load1: numberFrom(one, DECIMAL, 'load1'),
    load5: numberFrom(five, DECIMAL, 'load5'),
    load15: numberFrom(fifteen, DECIMAL, 'load15'),
  };
}

/**
 * Parses the text of /proc/meminfo. Kernels before 3.14 have no MemAvailable; there the estimate
 * is MemFree + Buffers + Cached, what `free` reported as available before the kernel did.
 */
export function parseMemInfo(text: string): MemoryInfo {
  const kib = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([^:\s]+):\s+(\S+)(?:\s+(\S+))?\s*$/.exec(line);
    if (match === null) continue;
    const [, key = '', value = '', unit] = match;
    // Every sized entry is in kB (KiB, despite the name); counts such as HugePages_Total have no unit.
    if (unit === 'kB') kib.set(key, numberFrom(value, INTEGER, key));
  }
  const total = kib.get('MemTotal');
  if (total === undefined) throw new Error('has no MemTotal');
  let available = kib.get('MemAvailable');
  if (available === undefined) {
    const free = kib.get('MemFree');
    if (free === undefined) throw new Error('has neither MemAvailable nor MemFree');
    available = free + (kib.get('Buffers') ?? 0) + (kib.get('Cached') ?? 0);
  }
  return { totalBytes: total * 1024, availableBytes: available * 1024 };
}

/** Parses the text of /proc/uptime ("177.47 302.15") into seconds since boot. */
export function parseUptime(text: string): number {
  const [uptime] = fieldsOf(text);
  if (uptime === undefined) throw new Error('is empty');
  return numberFrom(uptime, DECIMAL, 'uptime');
}

/** One process's /proc/<pid>/stat, the fields Poseidon reads; times in USER_HZ ticks. */
export interface ProcessStat {
  /** R, S, D, Z (a zombie), X (dead), … */
  state: string;
  userTicks: number;
  systemTicks: number;
  /** When it started, after boot: with the boot, it names the process for good (a pid is reused). */
  startTicks: number;
}

/** Parses the text of /proc/<pid>/stat ("4569 (node) S 1 … "). */
export function parseProcessStat(text: string): ProcessStat {
  // the command name may hold spaces and parentheses: the fields count from its last ')'
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error('has no ")" after the command name');
  const fields = fieldsOf(text.slice(close + 1));
  const [state, utime, stime, start] = [fields[0], fields[11], fields[12], fields[19]];
  if (state === undefined || utime === undefined || stime === undefined || start === undefined)
    throw new Error(`has ${fields.length} fields after the command name; expected at least 20`);
  return {
    state,
    userTicks: numberFrom(utime, INTEGER, 'utime'),
    systemTicks: numberFrom(stime, INTEGER, 'stime'),
    startTicks: numberFrom(start, INTEGER, 'starttime'),
  };
}

function fieldsOf(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/);
}

function numberFrom(token: string, shape: RegExp, what: string): number {
  if (!shape.test(token)) throw new Error(`${what} is "${token}"; expected a non-negative number`);
  return Number(token);
}
