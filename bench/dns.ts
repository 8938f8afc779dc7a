// `dns`: the host DNS server of `poseidon worker --proxy`, on a real manager and worker (TLS, join
// token, a network of the run's own): queries answered per second over UDP on loopback (a bounded
// count and time), and the time from a replica's change until the DNS answer no longer lists it:
// a scale from 3 to 2 sent to the manager, its replica made draining in the manager's table, the
// stream, the discovery host's table, the answer (asked every 2 ms).
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagerClient } from '../src/client/index.js';
import { LABEL_TEST_RUN } from '../testkit/cleanup.js';
import { adminClient } from '../testkit/manager-access.js';
import { spawnManager, spawnWorker, type PoseidonProcess } from '../testkit/spawner.js';
import { createTestNetwork } from '../testkit/test-network.js';
import { BenchError } from './bench-error.js';
import type { BenchContext, Benchmark } from './context.js';
import { BENCH_IMAGE } from './docker-engine.js';
import { askAddresses, runDnsLoad, type DnsLoadResult } from './dns-load.js';
import { goalLine, headline, publishReport } from './report.js';
import { quantile, summarize } from './stats.js';
import { count, formatGrid, ms, summaryCells, SUMMARY_HEADER } from './table.js';

const SERVICE = 'benchdns';
const REPLICAS = 3;
const IN_FLIGHT = 64;
const MAX_QUERIES = 300_000;
const LOAD_MS = 10_000;
const WARMUP_QUERIES = 5_000;
const CHANGES = 20;
/** How often the answer is asked while a change is awaited. */
const POLL_MS = 2;
const CHANGE_DEADLINE_MS = 10_000;
const SETTLE_DEADLINE_MS = 60_000;
/** Issue 14: a change reaches every proxy and DNS server within 1 s (p99). */
const GOAL_CHANGE_P99_MS = 1_000;

export const dnsBenchmark: Benchmark = {
  name: 'dns',
  description: `DNS queries/s on loopback (${IN_FLIGHT} in flight, at most ${count(MAX_QUERIES)} or ${LOAD_MS / 1000} s) and ${CHANGES} scale-downs until the answer drops the replica`,
  run: runDns,
};

class ChangeNotSeen extends BenchError {}

async function runDns(ctx: BenchContext): Promise<void> {
  const dir = await ctx.resources.tempDir('poseidon-bench-dns');
  const net = await createTestNetwork(ctx.docker, ctx.runId);
  const track = { onSpawn: (p: PoseidonProcess) => ctx.resources.trackProcess(p) };
  const { access } = await spawnManager(join(dir, 'manager'), net.managerArgs, track);
  const name = `${ctx.runId}-dns`;
  ctx.resources.trackWorkerName(name);
  await spawnWorker(
    access,
    ['--port', '0', '--name', name, '--data-dir', join(dir, name), '--stop-grace', '1', ...net.workerArgs],
    track,
  );
  // the discovery host: a second worker, so the DNS server's process is not the one running the replicas
  const hostName = `${ctx.runId}-dnshost`;
  ctx.resources.trackWorkerName(hostName);
  const host = await spawnWorker(
    access,
    [
      '--port',
      '0',
      '--name',
      hostName,
      '--data-dir',
      join(dir, hostName),
      ...net.workerArgs,
      '--proxy',
      '--dns-port',
      '0',
      '--no-recursion',
    ],
    track,
  );
  const port = await dnsPortOf(host);
  const client = adminClient(access, 30_000);
  await client.createService({
    name: SERVICE,
    replicas: REPLICAS,
    constraints: [`node.name == ${name}`],
    task: {
      image: BENCH_IMAGE,
      command: ['sleep', '3600'],
      ports: [{ container: 8080, name: 'http' }],
      labels: { [LABEL_TEST_RUN]: ctx.runId },
    },
  });
  const tasksName = `tasks.${SERVICE}.svc.poseidon.cluster`;
  await settled(client, port, tasksName);

  ctx.progress(`dns: warm-up, ${count(WARMUP_QUERIES)} queries`);
  const queries = [
    { name: `${SERVICE}.svc.poseidon.cluster`, type: 'A' as const },
    { name: tasksName, type: 'A' as const },
    { name: `_http._tcp.${SERVICE}.svc.poseidon.cluster`, type: 'SRV' as const },
  ];
  const loadOpts = { port, queries, inFlight: IN_FLIGHT, signal: ctx.signal };
  await runDnsLoad({ ...loadOpts, maxQueries: WARMUP_QUERIES, maxMs: LOAD_MS });
  ctx.progress(`dns: load, ${IN_FLIGHT} in flight, at most ${count(MAX_QUERIES)} queries or ${LOAD_MS / 1000} s`);
  const load = await runDnsLoad({ ...loadOpts, maxQueries: MAX_QUERIES, maxMs: LOAD_MS });

  const changesMs: number[] = [];
  for (let i = 0; i < CHANGES; i += 1) {
    ctx.signal.throwIfAborted();
    const before = await settled(client, port, tasksName);
    const t0 = performance.now();
    await client.scaleService(SERVICE, REPLICAS - 1);
    changesMs.push(await untilOneLeft(port, tasksName, before, t0));
    ctx.progress(`dns: change ${i + 1}/${CHANGES}: ${ms(changesMs.at(-1) ?? 0)} ms`);
    await client.scaleService(SERVICE, REPLICAS);
  }
  await client.removeService(SERVICE);
  await report(ctx, load, changesMs);
}

/** Until the DNS answer lists exactly the manager's ready replicas, all of them. */
async function settled(client: ManagerClient, port: number, tasksName: string): Promise<string[]> {
  const deadline = performance.now() + SETTLE_DEADLINE_MS;
  for (;;) {
    const view = await client.serviceEndpoints(SERVICE);
    const ready = view.endpoints.filter((e) => e.state === 'ready' && e.address !== null).map((e) => e.address ?? '');
    const answer = await askAddresses(port, tasksName);
    if (ready.length === REPLICAS && JSON.stringify(answer) === JSON.stringify(ready.sort())) return ready;
    if (performance.now() > deadline)
      throw new ChangeNotSeen(`${SERVICE} did not settle at ${REPLICAS} ready replicas`);
    await sleep(50);
  }
}

/** Until the answer lists one replica fewer than `before`, and none that was not in it. */
async function untilOneLeft(port: number, name: string, before: readonly string[], t0: number): Promise<number> {
  for (;;) {
    const answer = await askAddresses(port, name, 500);
    const now = performance.now();
    if (answer !== undefined && answer.length === before.length - 1 && answer.every((a) => before.includes(a)))
      return now - t0;
    if (now - t0 > CHANGE_DEADLINE_MS)
      throw new ChangeNotSeen(
        `the answer still had ${answer?.length ?? 'no'} addresses after ${CHANGE_DEADLINE_MS} ms`,
      );
    await sleep(POLL_MS);
  }
}

/** The port the discovery host logged its DNS server on: it starts once the worker listens. */
async function dnsPortOf(worker: PoseidonProcess): Promise<number> {
  const deadline = performance.now() + SETTLE_DEADLINE_MS;
  for (;;) {
    for (const line of worker.output) {
      try {
        const parsed = JSON.parse(line) as { msg?: string; addresses?: Array<{ port: number }> };
        const port = parsed.msg === 'DNS server listening' ? parsed.addresses?.[0]?.port : undefined;
        if (port !== undefined) return port;
      } catch {
        // not a log line
      }
    }
    if (performance.now() > deadline) throw new BenchError('the discovery host logged no DNS port');
    await sleep(20);
  }
}

async function report(ctx: BenchContext, load: DnsLoadResult, changesMs: number[]): Promise<void> {
  const date = new Date().toISOString();
  const perSecond = load.answered / (load.elapsedMs / 1000);
  const latencies = [...load.latenciesMs].sort((a, b) => a - b);
  const change = summarize(changesMs);
  const changeP99 = quantile(
    [...changesMs].sort((a, b) => a - b),
    0.99,
  );
  const lines = [
    headline(
      `dns: queries over UDP on loopback, and a scale-down until the answer drops the replica`,
      date,
      ctx.machine,
    ),
    formatGrid(
      ['load', 'answered', 'lost', 'seconds', 'queries/s', 'p50 ms', 'p99 ms'],
      [
        [
          `${IN_FLIGHT} in flight, A/A/SRV`,
          count(load.answered),
          count(load.lost),
          (load.elapsedMs / 1000).toFixed(1),
          count(perSecond),
          ms(quantile(latencies, 0.5)),
          ms(quantile(latencies, 0.99)),
        ],
      ],
    ),
    formatGrid(
      [...SUMMARY_HEADER, 'p99'],
      [[...summaryCells('scale 3→2 sent → answer without it', change), ms(changeP99)]],
    ),
    goalLine(
      `a change in DNS within ${GOAL_CHANGE_P99_MS} ms (p99)`,
      `${ms(changeP99)} ms`,
      changeP99 <= GOAL_CHANGE_P99_MS,
    ),
  ];
  await publishReport(
    ctx,
    { benchmark: 'dns', date, lines },
    {
      load: { inFlight: IN_FLIGHT, answered: load.answered, lost: load.lost, elapsedMs: load.elapsedMs, perSecond },
      latencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) },
      changeMs: { samples: changesMs, ...change, p99Ms: changeP99 },
      goal: { changeP99Ms: GOAL_CHANGE_P99_MS, met: changeP99 <= GOAL_CHANGE_P99_MS },
    },
  );
}
