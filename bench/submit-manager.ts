import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagerClient } from '../src/client/index.js';
import { parseProcessStat } from '../src/stats/index.js';
import type { ManagerAccess } from '../testkit/manager-access.js';
import { tlsFetch } from '../testkit/tls-fetch.js';
import type { BenchContext } from './context.js';

// What the submit and memory benchmarks read from the manager process under test.

/** Counters from the manager's `GET /metrics`; null when this build does not export them. */
export interface ManagerCounters {
  storeWrites: number | null;
  storeCommits: number | null;
  /** Calls the manager made to workers to start tasks (each a `POST /tasks/batch`, or a `POST /tasks`). */
  dispatchCalls: number | null;
  /** Requests the manager served, by route: `POST /tasks`, worker reports, heartbeats. */
  submitRequests: number | null;
  reportRequests: number | null;
  heartbeatRequests: number | null;
  /** Reconcile passes run. */
  passes: number | null;
}

export async function readManagerCounters(manager: ManagerAccess): Promise<ManagerCounters> {
  const res = await tlsFetch(new URL('/metrics', manager.url).toString(), {
    tls: { ca: manager.caPem },
    token: manager.adminToken,
  });
  const text = res.text();
  return {
    storeWrites: sample(text, 'poseidon_store_writes_total'),
    storeCommits: sample(text, 'poseidon_store_commits_total'),
    dispatchCalls: summed(text, 'poseidon_dispatch_latency_seconds_count'),
    submitRequests: summed(text, REQUESTS, 'method="POST",route="/tasks"'),
    reportRequests: summed(text, REQUESTS, 'method="POST",route="/nodes/:id/reports"'),
    heartbeatRequests: summed(text, REQUESTS, 'method="POST",route="/nodes/:id/heartbeat"'),
    passes: sample(text, 'poseidon_reconcile_duration_seconds_count'),
  };
}

const REQUESTS = 'poseidon_manager_http_request_duration_seconds_count';

function sample(text: string, name: string): number | null {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
  return m?.[1] === undefined ? null : Number(m[1]);
}

/** The sum of a metric's samples whose labels contain `labels` (every status, every result). */
function summed(text: string, name: string, labels = ''): number | null {
  let sum: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels !== '' && !line.includes(labels)) continue;
    sum = (sum ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Resident memory of a process, from /proc/<pid>/status (kB there, bytes here). */
export interface Rss {
  /** VmRSS: everything resident. */
  totalBytes: number;
  /** RssAnon: heap, stacks, buffers. */
  anonBytes: number;
  /** RssFile: mapped files resident (LMDB's memory map, the node binary). */
  fileBytes: number;
}

export async function readRssDetail(pid: number): Promise<Rss | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null; // gone, or not Linux
  }
  const kb = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+([0-9]+) kB$`, 'm').exec(text)?.[1] ?? 'NaN') * 1024;
  const total = kb('VmRSS');
  if (!Number.isFinite(total)) return null;
  return { totalBytes: total, anonBytes: kb('RssAnon'), fileBytes: kb('RssFile') };
}

/** User plus system cpu time a process has used, ms, from /proc/<pid>/stat; null when it is gone. */
export async function readCpuMs(pid: number): Promise<number | null> {
  try {
    const stat = parseProcessStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
    return ((stat.userTicks + stat.systemTicks) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** USER_HZ, 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * The share of wall time some runnable task waited for a cpu (Linux PSI, /proc/pressure/cpu),
 * between two readings: how busy the machine was with anything, ours or not.
 */
export async function readCpuPressureUs(): Promise<number | null> {
  try {
    const text = await readFile('/proc/pressure/cpu', 'utf8');
    const total = /^some .*total=([0-9]+)$/m.exec(text)?.[1];
    return total === undefined ? null : Number(total);
  } catch {
    return null;
  }
}

export async function readRss(pid: number): Promise<number | null> {
  return (await readRssDetail(pid))?.totalBytes ?? null;
}

/**
 * Waits until the manager lists no Pending and no Scheduled task (every task it accepted is
 * Running as far as it knows), polling twice a second; returns what it saw last.
 */
export async function waitUntilSettled(
  ctx: BenchContext,
  client: ManagerClient,
  label: string,
  deadlineMs: number,
): Promise<{ pending: number; scheduled: number }> {
  const began = performance.now();
  let seen = { pending: -1, scheduled: -1 };
  let lastProgress = began;
  for (;;) {
    ctx.signal.throwIfAborted();
    const [pending, scheduled] = await Promise.all([
      client.listTasks({ state: 'Pending' }),
      client.listTasks({ state: 'Scheduled' }),
    ]);
    seen = { pending: pending.length, scheduled: scheduled.length };
    if (seen.pending === 0 && seen.scheduled === 0) return seen;
    if (performance.now() - began > deadlineMs) return seen;
    if (performance.now() - lastProgress > 5_000) {
      ctx.progress(`${label}: still ${seen.pending} Pending, ${seen.scheduled} Scheduled`);
      lastProgress = performance.now();
    }
    await sleep(100);
  }
}
