import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildServer } from '../src/http/index.js';
import type { BenchContext, Benchmark } from './context.js';
import { loopbackServerTls } from './loopback-tls.js';
import { headline, publishReport } from './report.js';
import { quantile } from './stats.js';
import { benchTaskBody, runLoad } from './submit-load.js';
import { count, formatGrid } from './table.js';

// What TLS costs one request, on this machine: the same server (src/http's buildServer, as the
// manager and the worker build theirs) with the same route, once over plain HTTP and once over
// TLS as the manager serves it (its certificate from a cluster CA, client certificates asked
// for), and the same keep-alive clients (bench/submit-load.ts). Server and clients run in this
// process, so the cpu per request is both sides of one exchange: the difference between the two
// is what TLS adds to a request and its answer, sender and receiver together. The handshake is
// not in it: every connection is opened before the measured rounds and kept.

const CLIENTS = 16;
const REQUESTS_PER_ROUND = 20_000;
const WARMUP_REQUESTS = 10_000;
/** Rounds of each side, alternating, so a change in the machine's speed falls on both. */
const ROUNDS = 4;

export const tlsBenchmark: Benchmark = {
  name: 'tls',
  description: `cpu per request and answer, plain HTTP against TLS, on one server built as the manager's (${ROUNDS} rounds of ${REQUESTS_PER_ROUND} each)`,
  run: runTls,
};

type Side = 'plain' | 'tls';

interface Round {
  side: Side;
  requests: number;
  cpuUsPerRequest: number;
  perSecond: number;
}

async function runTls(ctx: BenchContext): Promise<void> {
  const tls = await loopbackServerTls();
  const servers = {
    plain: await serve(undefined),
    tls: await serve(tls),
  };
  try {
    const rounds: Round[] = [];
    for (const side of ['plain', 'tls'] as const) await round(ctx, servers[side].url, side, tls.ca, WARMUP_REQUESTS);
    for (let r = 0; r < ROUNDS; r++)
      for (const side of ['plain', 'tls'] as const) {
        ctx.progress(`tls: round ${r + 1} of ${ROUNDS}, ${side}`);
        rounds.push(await round(ctx, servers[side].url, side, tls.ca, REQUESTS_PER_ROUND));
      }
    await report(ctx, rounds);
  } finally {
    await Promise.all([servers.plain.close(), servers.tls.close()]);
  }
}

async function serve(tls: { cert: string; key: string; ca: string } | undefined): Promise<{
  url: string;
  close(): Promise<void>;
}> {
  const app = buildServer({
    log: pino({ level: 'silent' }),
    metrics: new Registry(),
    component: 'manager',
    ...(tls === undefined ? {} : { tls }),
  });
  // the submission's body in, an answer of a task view's size out (a 201 of POST /tasks is ~700 bytes)
  app.post('/tasks', async (req, reply) => {
    const body = req.body as Record<string, unknown>;
    const at = new Date().toISOString();
    return reply.status(201).send({
      id: randomUUID(),
      ...body,
      state: 'Pending',
      node: null,
      createdAt: at,
      updatedAt: at,
      history: [{ state: 'Pending', at, reason: 'submitted; waiting for the scheduler' }],
    });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`, close: () => app.close() };
}

async function round(ctx: BenchContext, url: string, side: Side, caPem: string, requests: number): Promise<Round> {
  const before = process.cpuUsage();
  const load = await runLoad({
    url,
    ...(side === 'tls' ? { ca: caPem } : {}),
    token: 'unused',
    clients: CLIENTS,
    maxRequests: requests,
    maxDurationMs: 120_000,
    body: (i) => benchTaskBody(ctx.runId, `bench-tls-${i}`),
    signal: ctx.signal,
  });
  const cpu = process.cpuUsage(before);
  const failed = [...load.failures.values()].reduce((a, b) => a + b, 0);
  if (failed > 0) throw new Error(`tls: ${failed} requests failed over ${side}: ${load.firstFailure ?? '?'}`);
  const n = load.accepted.length;
  return {
    side,
    requests: n,
    cpuUsPerRequest: (cpu.user + cpu.system) / n,
    perSecond: n / (load.elapsedMs / 1000),
  };
}

async function report(ctx: BenchContext, rounds: readonly Round[]): Promise<void> {
  const date = new Date().toISOString();
  const median = (side: Side, pick: (r: Round) => number): number =>
    quantile(
      rounds
        .filter((r) => r.side === side)
        .map(pick)
        .sort((a, b) => a - b),
      0.5,
    );
  const plain = median('plain', (r) => r.cpuUsPerRequest);
  const tls = median('tls', (r) => r.cpuUsPerRequest);
  const rows = rounds.map((r, i) => [
    String(Math.floor(i / 2) + 1),
    r.side,
    count(r.requests),
    r.cpuUsPerRequest.toFixed(1),
    count(r.perSecond),
  ]);
  const lines = [
    headline(
      `tls: ${CLIENTS} keep-alive clients, ${count(REQUESTS_PER_ROUND)} POSTs a round, ${ROUNDS} rounds a side, server and clients in one process`,
      date,
      ctx.machine,
    ),
    formatGrid(['round', 'side', 'requests', 'cpu µs per request (both sides)', 'requests/s'], rows),
    '',
    `TLS adds ${(tls - plain).toFixed(1)} µs of cpu to a request and its answer (median ${tls.toFixed(1)} against ${plain.toFixed(1)}, +${(((tls - plain) / plain) * 100).toFixed(0)} %), sender and receiver together.`,
  ];
  await publishReport(
    ctx,
    { benchmark: 'tls', date, lines },
    {
      method: {
        clients: CLIENTS,
        requestsPerRound: REQUESTS_PER_ROUND,
        rounds: ROUNDS,
        server: 'src/http buildServer, one POST route answering 201 with a task-sized body',
        measured: 'process.cpuUsage() around each round (server and clients share the process)',
      },
      rounds,
      cpuUsPerRequest: { plain, tls, added: tls - plain },
    },
  );
}
