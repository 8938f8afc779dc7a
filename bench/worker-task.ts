// What one task costs a worker (not part of `npm run bench`): one real Worker over the fake
// driver and a ReferenceStore (as testkit/fake-worker-process.ts runs them for `submit`), its
// real routes over mutual TLS and its real reporter, driven by a manager's side in a process of
// its own (bench/worker-task-manager.ts: start batches in, `Running` reports answered), so that
// this process spends what a simulated worker does and nothing else.
//   node --expose-gc dist/bench/worker-task.js [--tasks N] [--rounds R] [--batch B] [--in-flight C]
//       [--profile FILE]
// Each round sends N new tasks and ends once all are reported Running; it prints, per task:
// bytes allocated (every GC's heap before it, less the heap after the one before: exact, not
// sampled), bytes scavenges moved to the old generation, bytes still held after a full GC once
// the round is over (what a Running task keeps), cpu µs (process.cpuUsage) and scavenges. The
// first round warms up and is not counted; the tasks of every round stay Running. `--profile`
// samples the allocations of one more round (V8's sampling heap profiler, garbage included) and
// writes the top allocating functions to FILE.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ManagerClient, poolConnections } from '../src/client/index.js';
import { systemClock } from '../src/clock/index.js';
import { ClusterCa, newKeyAndCsr, publicKeyOfCsr, type CertRole } from '../src/pki/index.js';
import { createWorkerServer, ManagerReporter, Worker, type WorkerTaskRecord } from '../src/worker/index.js';
import { FakeDriver } from '../testkit/fake-driver.js';
import { FAKE_WORKER_CAPACITY, idleHost } from '../testkit/fake-worker.js';
import { ReferenceStore } from '../testkit/reference-store.js';
import { summarizeSampling, type SampleNode } from './heap-sampling.js';
import type { FromSide, SideCredentials, ToSide } from './worker-task-manager.js';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '4000' },
    rounds: { type: 'string', default: '5' },
    batch: { type: 'string', default: '16' },
    'in-flight': { type: 'string', default: '4' },
    profile: { type: 'string' },
  },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  process.stderr.write('run with node --expose-gc\n');
  process.exit(2);
}
const tasks = Number(values.tasks);
const rounds = Number(values.rounds);
const HOUR = 3_600_000;

const ca = (await ClusterCa.create(Date.now())).ca;
async function credsOf(role: CertRole): Promise<SideCredentials> {
  const { keyPem, csrPem } = await newKeyAndCsr();
  const cert = await ca.issue({
    publicKey: await publicKeyOfCsr(csrPem),
    nodeId: randomUUID(),
    role,
    addresses: ['127.0.0.1'],
    notBeforeMs: Date.now() - HOUR,
    notAfterMs: Date.now() + HOUR,
  });
  return { ca: ca.certPem, cert, key: keyPem };
}

// the manager's side
const side = fork(fileURLToPath(new URL('./worker-task-manager.js', import.meta.url)), { stdio: 'inherit' });
const replies: Array<(msg: FromSide) => void> = [];
side.on('message', (msg: FromSide) => replies.shift()?.(msg));
side.on('exit', (code) => {
  if (code !== 0) process.exit(1);
});
function ask(msg: ToSide): Promise<FromSide> {
  return new Promise((resolve) => {
    replies.push(resolve);
    side.send(msg);
  });
}
const listening = await ask({
  kind: 'setup',
  creds: await credsOf('manager'),
  batch: Number(values.batch),
  inFlight: Number(values['in-flight']),
});
if (listening.kind !== 'listening') throw new Error('the manager side did not listen');

// the worker, wired as FakeWorker.join wires it
const log = pino({ level: 'silent' });
const metrics = new Registry();
const driver = new FakeDriver({ workerName: 'bench-worker', record: false });
const worker = new Worker({
  name: 'bench-worker',
  driver,
  store: new ReferenceStore<WorkerTaskRecord>(),
  clock: systemClock,
  log,
  metrics,
  stopGraceSeconds: 1,
  startConcurrency: 2 * FAKE_WORKER_CAPACITY.cpuCores,
});
await worker.start();
const host = idleHost(FAKE_WORKER_CAPACITY);
const workerCreds = await credsOf('worker');
const app = await createWorkerServer({
  worker,
  driver,
  limits: {},
  readHost: async () => host,
  log,
  metrics,
  clock: systemClock,
  tls: workerCreds,
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
await poolConnections();
const reporter = new ManagerReporter({
  manager: new ManagerClient(listening.url, 10_000, { tls: { ...workerCreds, serverRole: 'manager' } }),
  worker,
  nodeId: randomUUID(),
  name: 'bench-worker',
  url,
  capacity: FAKE_WORKER_CAPACITY,
  readHost: async () => host,
  log,
});
reporter.start();
side.send({ kind: 'worker', url } satisfies ToSide);

interface Figures {
  allocated: number;
  promoted: number;
  retained: number;
  cpuUs: number;
  scavenges: number;
  reportRequests: number;
}

async function round(i: number): Promise<Figures> {
  gc?.();
  gc?.();
  const heldBefore = v8.getHeapStatistics().used_heap_size;
  const profiler = new v8.GCProfiler();
  profiler.start();
  const cpu = process.cpuUsage();
  const done = await ask({ kind: 'round', prefix: `r${i}`, tasks });
  const used = process.cpuUsage(cpu);
  const heapAtEnd = v8.getHeapStatistics().used_heap_size;
  const gcs = profiler.stop()?.statistics ?? [];
  let allocated = 0;
  let promoted = 0;
  let scavenges = 0;
  let after = heldBefore;
  for (const s of gcs) {
    allocated += s.beforeGC.heapStatistics.usedHeapSize - after;
    after = s.afterGC.heapStatistics.usedHeapSize;
    if (s.gcType !== 'Scavenge') continue;
    scavenges += 1;
    promoted += oldSpace(s.afterGC.heapSpaceStatistics) - oldSpace(s.beforeGC.heapSpaceStatistics);
  }
  allocated += heapAtEnd - after;
  gc?.();
  gc?.();
  const retained = v8.getHeapStatistics().used_heap_size - heldBefore;
  return {
    allocated: allocated / tasks,
    promoted: promoted / tasks,
    retained: retained / tasks,
    cpuUs: (used.user + used.system) / tasks,
    scavenges: (scavenges * 1000) / tasks,
    reportRequests: done.kind === 'done' ? done.reportRequests : 0,
  };
}

function oldSpace(spaces: ReadonlyArray<{ spaceName: string; spaceUsedSize: number }>): number {
  return spaces.find((s) => s.spaceName === 'old_space')?.spaceUsedSize ?? 0;
}

function line(label: string, f: Figures): string {
  return (
    `${label}: allocated ${Math.round(f.allocated)} B/task, promoted ${Math.round(f.promoted)} B/task, ` +
    `retained ${Math.round(f.retained)} B/task, cpu ${f.cpuUs.toFixed(1)} µs/task, ` +
    `${f.scavenges.toFixed(2)} scavenges/1000 tasks, ${f.reportRequests} report requests`
  );
}

await round(0); // warm-up
const all: Figures[] = [];
for (let i = 1; i <= rounds; i++) {
  const f = await round(i);
  all.push(f);
  process.stdout.write(`${line(`round ${i}`, f)}\n`);
}
const median = (pick: (f: Figures) => number): number => {
  const s = all.map(pick).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
process.stdout.write(
  `${line('median', {
    allocated: median((f) => f.allocated),
    promoted: median((f) => f.promoted),
    retained: median((f) => f.retained),
    cpuUs: median((f) => f.cpuUs),
    scavenges: median((f) => f.scavenges),
    reportRequests: median((f) => f.reportRequests),
  })}\n`,
);

if (values.profile !== undefined) await profileRound(values.profile, rounds + 1);

side.disconnect();
await reporter.stop();
await app.close();
await worker.stop();

/** One more round under V8's sampling heap profiler (garbage included): the functions that allocate most, self. */
async function profileRound(file: string, i: number): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 128,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await ask({ kind: 'round', prefix: `r${i}`, tasks });
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: SampleNode } };
  session.disconnect();
  const text = summarizeSampling(profile.head, tasks);
  await writeFile(file, `${text}\n`);
  process.stdout.write(`profile: ${file}\n`);
}
