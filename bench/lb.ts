// `lb`: the host proxy's throughput and latency beside nginx and HAProxy, in one run, on the same
// replicas (one nginx process answering 200 on three loopback addresses). wrk drives each side in
// turn, the order rotating each round, so a busy moment of the shared machine hits every side.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BenchError } from './bench-error.js';
import type { BenchContext, Benchmark } from './context.js';
import { runWrk, startHaproxy, startNginx, startReplicas, type LbAddresses, type WrkResult } from './lb-references.js';
import { runMesh, type MeshResult } from './lb-mesh.js';
import { formatMeshTable, meshCostLines } from './lb-mesh-report.js';
import { goalLine, headline, publishReport } from './report.js';
import { summarizeSide, type SideSummary } from './lb-summary.js';
import { count, formatGrid } from './table.js';
import { spawnListening, type SpawnedProcess } from '../testkit/spawner.js';

const run = promisify(execFile);
const ROUNDS = 3;
const SECONDS_PER_RUN = 5;
const WARMUP_SECONDS = 1;
const CONNECTIONS = 50;
/** The goal: the http proxy within 20% of nginx's requests/s, at a p99 no worse than nginx's. */
const GOAL_RATE_FRACTION = 0.8;

/** The side that shows what any proxy written for Node can reach here (bench/lb-side-process.ts). */
const FLOOR = 'node forwarder (floor)';

interface Side {
  name: string;
  host: (a: LbAddresses) => string;
}

const SIDES: readonly Side[] = [
  { name: 'poseidon http', host: (a) => a.proxyHttp },
  { name: 'poseidon tcp', host: (a) => a.proxyTcp },
  { name: 'nginx (http)', host: (a) => a.nginx },
  { name: 'haproxy http', host: (a) => a.haproxyHttp },
  { name: 'haproxy tcp', host: (a) => a.haproxyTcp },
  { name: 'replica, no proxy', host: (a) => a.replicas[0] as string },
  { name: FLOOR, host: (a) => a.floor },
];

export const lbBenchmark: Benchmark = {
  name: 'lb',
  description:
    `the proxy (tcp and http) against nginx and HAProxy with wrk, ${ROUNDS} rounds of ${SECONDS_PER_RUN} s; ` +
    'then through a tunnel to replicas on another host (the mesh)',
  run: runLb,
};

/** scripts/setup-lb-bench.sh installs wrk, nginx and haproxy when one is missing (as root). */
async function installReferences(ctx: BenchContext): Promise<void> {
  const script = fileURLToPath(new URL('../../scripts/setup-lb-bench.sh', import.meta.url));
  try {
    const { stdout } = await run('bash', [script], { signal: ctx.signal, timeout: 600_000 });
    ctx.progress(stdout.trim().replace(/^/gm, 'lb: '));
  } catch (err) {
    throw new BenchError(`lb: ${String((err as { stderr?: unknown }).stderr ?? err).trim()}`, { cause: err });
  }
}

async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0 }, resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** bench/lb-side-process.ts of this build, started once per Node side. */
const SIDE_PROCESS = fileURLToPath(new URL('./lb-side-process.js', import.meta.url));

/** A Node side (the proxy, or the floor forwarder) in a process of its own, stopped by pid at the end. */
async function startNodeSide(ctx: BenchContext, side: 'proxy' | 'floor', a: LbAddresses): Promise<SpawnedProcess> {
  return spawnListening(SIDE_PROCESS, [side, JSON.stringify(a)], { onSpawn: (p) => ctx.resources.trackProcess(p) });
}

async function runLb(ctx: BenchContext): Promise<void> {
  await installReferences(ctx);
  const net = `127.${100 + Math.floor(Math.random() * 100)}.${Math.floor(Math.random() * 256)}`;
  const replicas = [`${net}.2`, `${net}.3`, `${net}.4`];
  const addresses: LbAddresses = {
    port: await freePort(replicas[0] as string),
    replicas,
    proxyTcp: `${net}.1`,
    proxyHttp: `${net}.5`,
    nginx: `${net}.6`,
    haproxyHttp: `${net}.7`,
    haproxyTcp: `${net}.8`,
    floor: `${net}.9`,
  };
  const dir = await ctx.resources.tempDir('bench-lb');
  const loadBefore = loadavg();
  ctx.progress(`lb: replicas, nginx and haproxy on ${net}.0/24 port ${addresses.port}`);
  const daemons: Array<{ stop(): Promise<void> }> = [
    await startReplicas(ctx, dir, addresses),
    await startNginx(ctx, dir, addresses),
    await startHaproxy(ctx, dir, addresses),
  ];
  daemons.push(await startNodeSide(ctx, 'proxy', addresses), await startNodeSide(ctx, 'floor', addresses));
  const samples = new Map<string, WrkResult[]>(SIDES.map((s) => [s.name, []]));
  try {
    for (const side of SIDES) {
      await runWrk(`http://${side.host(addresses)}:${addresses.port}/`, CONNECTIONS, WARMUP_SECONDS, ctx.signal);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < SIDES.length; i++) {
        const side = SIDES[(i + round) % SIDES.length] as Side;
        ctx.signal.throwIfAborted();
        const url = `http://${side.host(addresses)}:${addresses.port}/`;
        const result = await runWrk(url, CONNECTIONS, SECONDS_PER_RUN, ctx.signal);
        samples.get(side.name)?.push(result);
        ctx.progress(
          `lb: round ${round + 1}/${ROUNDS} ${side.name}: ${count(result.requestsPerSecond)} req/s, ` +
            `p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, ${result.errors} errors`,
        );
      }
    }
  } finally {
    for (const d of daemons) await d.stop();
  }
  const loadAfter = loadavg();
  const mesh = await runMesh(ctx, {
    rounds: ROUNDS,
    seconds: SECONDS_PER_RUN,
    warmupSeconds: WARMUP_SECONDS,
    connections: CONNECTIONS,
  });
  await report(ctx, samples, loadBefore, loadAfter, mesh);
}

async function report(
  ctx: BenchContext,
  samples: Map<string, WrkResult[]>,
  loadBefore: number[],
  loadAfter: number[],
  mesh: MeshResult,
): Promise<void> {
  const date = new Date().toISOString();
  const rows = [...samples].map(([side, runs]) => summarizeSide(side, runs));
  const nginx = rows.find((r) => r.side === 'nginx (http)') as SideSummary;
  const table = formatGrid(
    ['side', 'req/s', 'vs nginx', 'p50 ms', 'p99 ms', 'requests', 'errors'],
    rows.map((r) => [
      r.side,
      count(r.requestsPerSecond),
      `x${(r.requestsPerSecond / nginx.requestsPerSecond).toFixed(2)}`,
      r.p50Ms.toFixed(2),
      r.p99Ms.toFixed(2),
      count(r.requests),
      String(r.errors),
    ]),
  );
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  const goals = ['poseidon http', 'poseidon tcp'].map((name) => {
    const r = rows.find((x) => x.side === name) as SideSummary;
    const met = r.requestsPerSecond >= GOAL_RATE_FRACTION * nginx.requestsPerSecond && r.p99Ms <= nginx.p99Ms;
    return goalLine(
      `${name} within 20% of nginx's requests/s at a p99 no worse`,
      `${count(r.requestsPerSecond)} req/s (x${(r.requestsPerSecond / nginx.requestsPerSecond).toFixed(2)}), ` +
        `p99 ${r.p99Ms.toFixed(2)} ms against ${nginx.p99Ms.toFixed(2)} ms`,
      met,
    );
  });
  const floor = rows.find((r) => r.side === FLOOR);
  const floorLine =
    floor === undefined
      ? []
      : [
          `The floor, a bare Node TCP forwarder in one thread (accept, connect round-robin, copy both ways; ` +
            `nothing else): ${count(floor.requestsPerSecond)} req/s (x${(floor.requestsPerSecond / nginx.requestsPerSecond).toFixed(2)} ` +
            `of nginx), p99 ${floor.p99Ms.toFixed(2)} ms against ${nginx.p99Ms.toFixed(2)} ms: the most a proxy in one ` +
            'Node thread reaches on this machine.',
        ];
  const lines = [
    headline('lb: wrk through each proxy to the same 3 replicas (loopback)', date, ctx.machine),
    `Medians of ${ROUNDS} rounds of ${SECONDS_PER_RUN} s each, wrk -t1 -c${CONNECTIONS}, keep-alive; nginx and HAProxy ` +
      'with one worker/thread, as the proxy is one Node thread (in a process of its own, as in `poseidon worker`). Load average (1, 5, 15 min): ' +
      `${load(loadBefore)} before, ${load(loadAfter)} after.`,
    '',
    table,
    '',
    ...goals,
    ...floorLine,
    '',
    ...meshLines(mesh),
  ];
  await publishReport(
    ctx,
    { benchmark: 'lb', date, lines },
    { loadBefore, loadAfter, rows, samples: Object.fromEntries(samples), mesh },
  );
}

/** The mesh's table: the same load through a tunnel to another host's replicas, beside the same host's. */
function meshLines(mesh: MeshResult): string[] {
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  return [
    'The mesh: a manager and two workers with different `--host-id`, the proxy with the near one, nginx replicas ' +
      `(2 a service) on one worker or the other; wrk -t1 -c${CONNECTIONS}, medians of ${ROUNDS} rounds of ` +
      `${SECONDS_PER_RUN} s; CPU per request from /proc (user + system) of each worker over the same rounds. ` +
      `Idle, before the load: the proxy's worker ${mesh.idleCpuMsPerSecond.proxyWorker.toFixed(1)} ms CPU a second, ` +
      `the far worker ${mesh.idleCpuMsPerSecond.farWorker.toFixed(1)}. ` +
      `Load average: ${load(mesh.loadBefore)} before, ${load(mesh.loadAfter)} after.`,
    '',
    formatMeshTable(mesh.rows),
    '',
    ...meshCostLines(mesh.rows),
  ];
}
