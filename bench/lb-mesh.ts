// The `lb` benchmark's mesh part: what a tunnel costs. A real manager and two real workers on this
// machine that say they are two (`--host-id`), on a bridge network of the run's own; the proxy runs
// with the near worker (`--proxy`), and two services' replicas are constrained one to each worker,
// so the far service's VIP is reached through the far worker's tunnel (mutual TLS, an upgrade) and
// the near one's directly. wrk drives each side in turn, the order rotating each round, kept-alive
// connections and a new connection per request (each a tunnel, so a TLS handshake, in tcp mode);
// /proc gives each worker's CPU time over every round.
//
// The replicas are nginx answering `200 ok` (as the other `lb` sides' replicas), the host's own
// binary run in the test image with the host's /usr mounted read-only: busybox's httpd, the only
// server in the image, closes every connection, so no kept-alive figure could be had through it.
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceEndpointsView } from '../src/api/index.js';
import type { ManagerClient } from '../src/client/index.js';
import { containersByLabel, LABEL_TEST_RUN } from '../testkit/cleanup.js';
import { adminClient } from '../testkit/manager-access.js';
import { spawnManager, spawnWorker, type PoseidonProcess } from '../testkit/spawner.js';
import { createTestNetwork } from '../testkit/test-network.js';
import { BenchError } from './bench-error.js';
import { LABEL_BENCH_SAMPLE, processCpuMs } from './cluster-processes.js';
import type { BenchContext } from './context.js';
import { BENCH_IMAGE, removeContainers } from './docker-engine.js';
import { meshRows, sideKey, type MeshRow, type MeshRun, type MeshSide } from './lb-mesh-report.js';
import { runWrk } from './lb-references.js';
import { count } from './table.js';

const TCP_PORT = 8080;
const HTTP_PORT = 8081;
const REPLICAS = 2;
const READY_DEADLINE_MS = 120_000;
/** How long both workers' CPU is read with no load first: their background, for scale. */
const IDLE_SECONDS = 3;
/** The mesh's services; `near` and `far` are also the workers' host ids' and labels' ends. */
const SERVICES = { near: 'lbmeshnear', far: 'lbmeshfar' } as const;
type Where = keyof typeof SERVICES;

export const MESH_SIDES: readonly MeshSide[] = [
  { name: 'replica, no proxy', path: 'replica', connections: 'kept alive' },
  { name: 'tcp, same host', path: 'same host', mode: 'tcp', connections: 'kept alive' },
  { name: 'tcp, other host', path: 'other host', mode: 'tcp', connections: 'kept alive' },
  { name: 'http, same host', path: 'same host', mode: 'http', connections: 'kept alive' },
  { name: 'http, other host', path: 'other host', mode: 'http', connections: 'kept alive' },
  { name: 'replica, no proxy', path: 'replica', connections: 'one per request' },
  { name: 'tcp, same host', path: 'same host', mode: 'tcp', connections: 'one per request' },
  { name: 'tcp, other host', path: 'other host', mode: 'tcp', connections: 'one per request' },
  { name: 'http, same host', path: 'same host', mode: 'http', connections: 'one per request' },
  { name: 'http, other host', path: 'other host', mode: 'http', connections: 'one per request' },
];

export interface MeshLoad {
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
}

export interface MeshResult {
  rows: MeshRow[];
  /** Each worker's CPU ms a second over IDLE_SECONDS with no load (heartbeats, the endpoint stream). */
  idleCpuMsPerSecond: { proxyWorker: number; farWorker: number };
  samples: Record<string, MeshRun[]>;
  loadBefore: number[];
  loadAfter: number[];
}

interface MeshCluster {
  client: ManagerClient;
  near: PoseidonProcess;
  far: PoseidonProcess;
  stop(): Promise<void>;
}

/** The replicas' nginx: one worker, `200 ok` on both service ports, everything it writes under /tmp. */
const REPLICA_CONF = `user root;
worker_processes 1;
pid /tmp/nginx.pid;
error_log stderr warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path /tmp/body;
  proxy_temp_path /tmp/proxy;
  fastcgi_temp_path /tmp/fastcgi;
  uwsgi_temp_path /tmp/uwsgi;
  scgi_temp_path /tmp/scgi;
  server {
    listen ${TCP_PORT};
    listen ${HTTP_PORT};
    location / { return 200 "ok\\n"; }
  }
}
`;

async function startMeshCluster(ctx: BenchContext, dir: string, confDir: string): Promise<MeshCluster> {
  const net = await createTestNetwork(ctx.docker, ctx.runId);
  const track = { onSpawn: (p: PoseidonProcess) => ctx.resources.trackProcess(p) };
  const { process: manager, access } = await spawnManager(join(dir, 'manager'), net.managerArgs, track);
  const worker = (where: Where, extra: readonly string[]): Promise<PoseidonProcess> => {
    const name = `${ctx.runId}-mesh-${where}`;
    ctx.resources.trackWorkerName(name);
    const args = ['--port', '0', '--name', name, '--data-dir', join(dir, name), '--stop-grace', '1'];
    const host = ['--host-id', `${ctx.runId}-${where}`, '--label', `bench-host=${where}`];
    const paths = ['--allow-host-path', '/usr', '--allow-host-path', confDir];
    return spawnWorker(access, [...args, ...net.workerArgs, ...host, ...paths, ...extra], track);
  };
  const near = await worker('near', ['--proxy', '--dns-port', '0', '--no-recursion']);
  const far = await worker('far', []);
  ctx.progress(`lb: mesh: manager ${manager.url}, near worker pid ${near.pid} (the proxy), far worker pid ${far.pid}`);
  return {
    client: adminClient(access, 30_000),
    near,
    far,
    async stop() {
      await far.stop();
      await near.stop();
      await manager.stop();
      // the network goes with the run's cleanup, by its label, once the containers are gone
    },
  };
}

async function createServices(ctx: BenchContext, client: ManagerClient, confDir: string, sample: string) {
  const ro = (hostPath: string, path: string) => ({ hostPath, path, readOnly: true });
  for (const where of ['near', 'far'] as const) {
    await client.createService({
      name: SERVICES[where],
      replicas: REPLICAS,
      constraints: [`node.labels.bench-host == ${where}`],
      labels: { [LABEL_TEST_RUN]: ctx.runId },
      task: {
        image: BENCH_IMAGE,
        command: ['/usr/sbin/nginx', '-e', 'stderr', '-c', '/conf/replica.conf', '-p', '/tmp', '-g', 'daemon off;'],
        ports: [
          { container: TCP_PORT, name: 'raw' },
          { container: HTTP_PORT, name: 'web', protocol: 'http' },
        ],
        volumes: [ro('/usr', '/usr'), ro('/usr/lib', '/lib'), ro('/usr/lib64', '/lib64'), ro(confDir, '/conf')],
        labels: { [LABEL_TEST_RUN]: ctx.runId, [LABEL_BENCH_SAMPLE]: sample },
      },
    });
  }
}

async function answers(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
  return res?.status === 200 && (await res.text()).trim() === 'ok';
}

/** Until the service's replicas are all ready on the worker meant, and its VIP answers on both ports. */
async function untilReady(
  ctx: BenchContext,
  c: MeshCluster,
  where: Where,
  farUrl: string,
): Promise<ServiceEndpointsView> {
  const deadline = performance.now() + READY_DEADLINE_MS;
  for (;;) {
    const view = await c.client.serviceEndpoints(SERVICES[where]);
    const ready = view.endpoints.length === REPLICAS && view.endpoints.every((e) => e.state === 'ready');
    if (ready) {
      const wrong = view.endpoints.find(
        (e) => e.hostId !== `${ctx.runId}-${where}` || (where === 'far' && e.via !== farUrl),
      );
      if (wrong !== undefined)
        throw new BenchError(`lb: mesh: replica ${wrong.taskId} is on host ${wrong.hostId ?? '?'}, not ${where}`);
      const urls = [TCP_PORT, HTTP_PORT].map((p) => `http://${view.vip}:${p}/`);
      if ((await Promise.all(urls.map(answers))).every(Boolean)) return view;
    }
    if (performance.now() > deadline)
      throw new BenchError(`lb: mesh: ${SERVICES[where]} not answering on its VIP after ${READY_DEADLINE_MS} ms`);
    await sleep(200, undefined, { signal: ctx.signal });
  }
}

function urlOf(side: MeshSide, near: ServiceEndpointsView, far: ServiceEndpointsView): string {
  const port = side.mode === 'http' ? HTTP_PORT : TCP_PORT;
  if (side.path === 'replica') return `http://${near.endpoints[0]?.address ?? ''}:${TCP_PORT}/`;
  return `http://${(side.path === 'same host' ? near : far).vip}:${port}/`;
}

function workersCpuMs(c: MeshCluster): Promise<[number, number]> {
  return Promise.all([processCpuMs(c.near.pid), processCpuMs(c.far.pid)]);
}

/** Both workers' CPU ms a second with nothing asked of them. */
async function idleCpu(ctx: BenchContext, c: MeshCluster): Promise<MeshResult['idleCpuMsPerSecond']> {
  const [nearBefore, farBefore] = await workersCpuMs(c);
  await sleep(IDLE_SECONDS * 1000, undefined, { signal: ctx.signal });
  const [nearAfter, farAfter] = await workersCpuMs(c);
  return { proxyWorker: (nearAfter - nearBefore) / IDLE_SECONDS, farWorker: (farAfter - farBefore) / IDLE_SECONDS };
}

/** One wrk run against `side`, with each worker's CPU time over it. */
async function measure(ctx: BenchContext, c: MeshCluster, url: string, side: MeshSide, load: MeshLoad) {
  const [nearBefore, farBefore] = await workersCpuMs(c);
  const result = await runWrk(url, load.connections, load.seconds, ctx.signal, {
    newConnectionPerRequest: side.connections === 'one per request',
  });
  const [nearAfter, farAfter] = await workersCpuMs(c);
  return { ...result, proxyCpuMs: nearAfter - nearBefore, farCpuMs: farAfter - farBefore };
}

/** Starts the mesh, runs every side `load.rounds` times interleaved, and stops and removes all it started. */
export async function runMesh(ctx: BenchContext, load: MeshLoad): Promise<MeshResult> {
  const dir = await ctx.resources.tempDir('bench-lb-mesh');
  const confDir = join(dir, 'conf');
  await mkdir(confDir);
  await writeFile(join(confDir, 'replica.conf'), REPLICA_CONF);
  const loadBefore = loadavg();
  const sample = `${ctx.runId}-lb-mesh`;
  const c = await startMeshCluster(ctx, dir, confDir);
  const samples = new Map<string, MeshRun[]>(MESH_SIDES.map((s) => [sideKey(s), []]));
  let idleCpuMsPerSecond: MeshResult['idleCpuMsPerSecond'] | undefined;
  try {
    await createServices(ctx, c.client, confDir, sample);
    const near = await untilReady(ctx, c, 'near', c.far.url);
    const far = await untilReady(ctx, c, 'far', c.far.url);
    ctx.progress(`lb: mesh: near VIP ${near.vip}, far VIP ${far.vip} (through ${c.far.url})`);
    idleCpuMsPerSecond = await idleCpu(ctx, c);
    const warmup = { ...load, seconds: load.warmupSeconds };
    for (const side of MESH_SIDES) await measure(ctx, c, urlOf(side, near, far), side, warmup);
    for (let round = 0; round < load.rounds; round++) {
      for (let i = 0; i < MESH_SIDES.length; i++) {
        const side = MESH_SIDES[(i + round) % MESH_SIDES.length] as MeshSide;
        ctx.signal.throwIfAborted();
        const run = await measure(ctx, c, urlOf(side, near, far), side, load);
        samples.get(sideKey(side))?.push(run);
        ctx.progress(
          `lb: mesh round ${round + 1}/${load.rounds} ${sideKey(side)}: ` +
            `${count(run.requestsPerSecond)} req/s, p99 ${run.p99Ms.toFixed(2)} ms, ${run.errors} errors, ` +
            `cpu near ${run.proxyCpuMs} ms, far ${run.farCpuMs} ms`,
        );
      }
    }
    for (const where of ['near', 'far'] as const) await c.client.removeService(SERVICES[where]);
  } finally {
    await c.stop();
    await removeContainers(ctx.docker, await containersByLabel(ctx.docker, `${LABEL_BENCH_SAMPLE}=${sample}`));
  }
  return {
    rows: meshRows(MESH_SIDES, samples),
    idleCpuMsPerSecond: idleCpuMsPerSecond ?? { proxyWorker: Number.NaN, farWorker: Number.NaN },
    samples: Object.fromEntries(samples),
    loadBefore,
    loadAfter: loadavg(),
  };
}
