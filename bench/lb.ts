// `lb`: the host proxy's throughput and latency beside nginx and HAProxy, in one run, on the same
// replicas (one nginx process answering 200 on three loopback addresses). wrk drives each side in
// turn, the order rotating each round, so a busy moment of the shared machine hits every side.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { EndpointTable } from '../src/discovery/index.js';
import { startProxy, type Proxy } from '../src/proxy/index.js';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BenchError } from './bench-error.js';
import type { BenchContext, Benchmark } from './context.js';
import { runWrk, startHaproxy, startNginx, startReplicas, type LbAddresses, type WrkResult } from './lb-references.js';
import { goalLine, headline, publishReport } from './report.js';
import { quantile } from './stats.js';
import { count, formatGrid } from './table.js';

const run = promisify(execFile);
const ROUNDS = 3;
const SECONDS_PER_RUN = 5;
const WARMUP_SECONDS = 1;
const CONNECTIONS = 50;
/** The goal: the http proxy within 20% of nginx's requests/s, at a p99 no worse than nginx's. */
const GOAL_RATE_FRACTION = 0.8;

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
];

export const lbBenchmark: Benchmark = {
  name: 'lb',
  description: `the proxy (tcp and http) against nginx and HAProxy with wrk, ${ROUNDS} rounds of ${SECONDS_PER_RUN} s`,
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

async function startPoseidon(a: LbAddresses): Promise<Proxy> {
  const endpoints = a.replicas.map((address, i) => ({
    taskId: `replica-${i}`,
    slot: i + 1,
    version: 1,
    nodeId: null,
    node: null,
    state: 'ready' as const,
    address,
    ports: [],
  }));
  const service = (name: string, vip: string, protocol: 'tcp' | 'http') => ({
    service: name,
    vip,
    dnsNames: [],
    ports: [{ name: null, port: a.port, protocol }],
    endpoints,
    revision: 1,
  });
  const table = new EndpointTable();
  table.apply({
    type: 'snapshot',
    epoch: 'bench',
    revision: 1,
    services: [service('lb-http', a.proxyHttp, 'http'), service('lb-tcp', a.proxyTcp, 'tcp')],
  });
  // loopback addresses need no `ip addr`: the stand-in adds nothing
  const vips = { add: async (): Promise<void> => {}, remove: async (): Promise<void> => {} };
  return startProxy({ table, network: 'lo', logger: pino({ level: 'warn' }), registry: new Registry(), vips });
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
  };
  const dir = await ctx.resources.tempDir('bench-lb');
  const loadBefore = loadavg();
  ctx.progress(`lb: replicas, nginx and haproxy on ${net}.0/24 port ${addresses.port}`);
  const daemons = [
    await startReplicas(ctx, dir, addresses),
    await startNginx(ctx, dir, addresses),
    await startHaproxy(ctx, dir, addresses),
  ];
  const proxy = await startPoseidon(addresses);
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
    await proxy.close();
    for (const d of daemons) await d.stop();
  }
  await report(ctx, samples, loadBefore, loadavg());
}

interface SideSummary {
  side: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

function summarizeSide(side: string, runs: readonly WrkResult[]): SideSummary {
  const median = (xs: number[]): number =>
    quantile(
      [...xs].sort((a, b) => a - b),
      0.5,
    );
  return {
    side,
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    requests: runs.reduce((s, r) => s + r.requests, 0),
    errors: runs.reduce((s, r) => s + r.errors, 0),
  };
}

async function report(
  ctx: BenchContext,
  samples: Map<string, WrkResult[]>,
  loadBefore: number[],
  loadAfter: number[],
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
  const lines = [
    headline('lb: wrk through each proxy to the same 3 replicas (loopback)', date, ctx.machine),
    `Medians of ${ROUNDS} rounds of ${SECONDS_PER_RUN} s each, wrk -t1 -c${CONNECTIONS}, keep-alive; nginx and HAProxy ` +
      'with one worker/thread, as the proxy is one Node thread. Load average (1, 5, 15 min): ' +
      `${load(loadBefore)} before, ${load(loadAfter)} after.`,
    '',
    table,
    '',
    ...goals,
  ];
  await publishReport(
    ctx,
    { benchmark: 'lb', date, lines },
    { loadBefore, loadAfter, rows, samples: Object.fromEntries(samples) },
  );
}
