// What a submission costs the manager and the simulated workers' process in bytes allocated and in work
// done, not in time (not part of `npm run bench`): the `submit` benchmark's cluster (a real manager, 20
// fake workers in a process of their own) and its load clients, each measured process loaded with
// bench/alloc-preload.js. After a warm-up it opens a window in both processes, submits N tasks, waits
// until every one is Running on the manager, closes the window and prints per submission: bytes
// allocated, scavenges, cpu µs (this last moves with the machine; the others do not).
//   node dist/bench/submit-alloc.js [--submissions N] [--rounds R] [--count] [--profile] [--cpu]
// --count adds calls of JSON.parse/stringify and their bytes, promises and timers (the counting itself
// allocates: compare counted runs only with counted runs); --profile writes each process's top allocating
// functions (sampled) to $TMPDIR/submit-alloc-<process>.txt; --cpu each process's top functions by cpu self
// time to $TMPDIR/submit-alloc-<process>-cpu.txt and the window's profile to $TMPDIR/submit-alloc-<process>.cpuprofile
// (the profiler's sampling costs cpu too: compare profiled runs only with profiled runs).
import { randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import { RunCleanup } from '../testkit/cleanup.js';
import type { BenchContext } from './context.js';
import { startFakeCluster, type FakeCluster } from './fake-cluster.js';
import { machineInfo } from './machine.js';
import { benchTaskBody, runLoad } from './submit-load.js';
import { readManagerCounters, waitUntilSettled } from './submit-manager.js';

const { values } = parseArgs({
  options: {
    submissions: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    count: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    cpu: { type: 'boolean', default: false },
  },
});
const submissions = Number(values.submissions);
const dir = await mkdtemp(path.join(os.tmpdir(), 'submit-alloc-'));
const preload = fileURLToPath(new URL('./alloc-preload.js', import.meta.url));
process.env['POSEIDON_NODE_ARGS'] = `--expose-gc --import=${preload}`;
process.env['POSEIDON_ALLOC_DIR'] = dir;
if (values.count) process.env['POSEIDON_ALLOC_COUNT'] = '1';
if (values.profile) process.env['POSEIDON_ALLOC_PROFILE'] = '1';
if (values.cpu) process.env['POSEIDON_ALLOC_CPU'] = '1';

const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const runId = `bench-${randomUUID().slice(0, 8)}`;
const resources = new RunCleanup(runId, docker);
const ctx: BenchContext = {
  runId,
  docker,
  resources,
  machine: await machineInfo(docker),
  signal: new AbortController().signal,
  progress: (line) => process.stderr.write(`${line}\n`),
};

interface Window {
  allocated: number;
  scavenges: number;
  cpuUs: number;
  counts?: Record<string, number>;
  callers?: Record<string, string[]>;
  profile?: string;
  cpuProfile?: string;
}

async function submit(cluster: FakeCluster, prefix: string, n: number): Promise<number> {
  const load = await runLoad({
    url: cluster.manager.url,
    ca: cluster.access.caPem,
    token: cluster.access.adminToken,
    clients: 64,
    maxRequests: n,
    maxDurationMs: 600_000,
    body: (i) => benchTaskBody(runId, `${prefix}-${i}`),
    signal: ctx.signal,
  });
  await waitUntilSettled(ctx, cluster.client, 'submit-alloc', 180_000);
  return load.accepted.length;
}

async function window(pids: readonly number[], run: () => Promise<number>): Promise<[number, Window[]]> {
  await Promise.all(pids.map((pid) => rm(path.join(dir, `${pid}.json`), { force: true })));
  for (const pid of pids) process.kill(pid, 'SIGUSR2');
  await sleep(200); // the preload's start (a full GC) before the first submission
  const n = await run();
  await writeFile(path.join(dir, 'units'), String(n));
  for (const pid of pids) process.kill(pid, 'SIGUSR2');
  const read = async (pid: number): Promise<Window> => {
    for (;;) {
      try {
        return JSON.parse(await readFile(path.join(dir, `${pid}.json`), 'utf8')) as Window;
      } catch {
        await sleep(100);
      }
    }
  };
  return [n, await Promise.all(pids.map(read))];
}

function line(name: string, n: number, w: Window): string {
  const per = (x: number): string => (x / n).toFixed(x / n < 10 ? 2 : 0);
  const counts = Object.entries(w.counts ?? {})
    .map(([k, v]) => `${k} ${per(v)}`)
    .join(', ');
  return (
    `${name}: allocated ${per(w.allocated)} B, ${((w.scavenges * 1000) / n).toFixed(2)} scavenges/1000, ` +
    `cpu ${per(w.cpuUs)} µs${counts === '' ? '' : `; ${counts}`}`
  );
}

let cluster: FakeCluster | undefined;
try {
  cluster = await startFakeCluster(ctx, 'submit-alloc', 20);
  await measure(cluster);
} finally {
  await cluster?.stop();
  await resources.release();
  await rm(dir, { recursive: true, force: true });
}

async function measure(cluster: FakeCluster): Promise<void> {
  await submit(cluster, 'warmup', 2_000);
  const pids = [cluster.manager.pid, cluster.workers.process.pid];
  for (let r = 1; r <= Number(values.rounds); r++) {
    const before = await readManagerCounters(cluster.access);
    const [n, [manager, workers]] = await window(pids, () => submit(cluster, `r${r}`, submissions));
    const after = await readManagerCounters(cluster.access);
    const d = (k: keyof typeof before): string => (((after[k] ?? 0) - (before[k] ?? 0)) / n).toFixed(3);
    process.stdout.write(`round ${r}, ${n} submissions, per submission:\n`);
    if (manager !== undefined) process.stdout.write(`  ${line('manager', n, manager)}\n`);
    if (workers !== undefined) process.stdout.write(`  ${line('workers', n, workers)}\n`);
    process.stdout.write(
      `  manager: store writes ${d('storeWrites')}, commits ${d('storeCommits')}, start batches ` +
        `${d('dispatchCalls')}, report requests ${d('reportRequests')}, heartbeats ${d('heartbeatRequests')}, ` +
        `passes ${d('passes')}\n`,
    );
    for (const [name, w, pid] of [
      ['manager', manager, cluster.manager.pid],
      ['workers', workers, cluster.workers.process.pid],
    ] as const) {
      for (const [what, lines] of Object.entries(w?.callers ?? {}))
        process.stdout.write(`  ${name}'s ${what} calls, sampled:\n${lines.map((l) => `    ${l}\n`).join('')}`);
      if (w?.cpuProfile !== undefined) {
        const file = path.join(os.tmpdir(), `submit-alloc-${name}-cpu.txt`);
        await writeFile(file, `${w.cpuProfile}\n`);
        await copyFile(path.join(dir, `${pid}.cpuprofile`), path.join(os.tmpdir(), `submit-alloc-${name}.cpuprofile`));
        process.stdout.write(`  cpu profile: ${file}\n`);
      }
      if (w?.profile === undefined) continue;
      const file = path.join(os.tmpdir(), `submit-alloc-${name}.txt`);
      await writeFile(file, `${w.profile}\n`);
      process.stdout.write(`  profile: ${file}\n`);
    }
  }
}
