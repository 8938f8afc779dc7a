import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnListening } from '../testkit/spawner.js';
import type { BenchContext } from './context.js';
import { loopbackServerTls } from './loopback-tls.js';
import { quantile } from './stats.js';
import { benchTaskBody, runLoad, type LoadOutcome } from './submit-load.js';
import { readCpuMs } from './submit-manager.js';
import { count, formatGrid, ms } from './table.js';

/** bench/submit-floor-server.ts of this build. */
const FLOOR_SERVER = fileURLToPath(new URL('./submit-floor-server.js', import.meta.url));

export interface FloorPlan {
  clients: number;
  durationMs: number;
  maxRequests: number;
  warmupRequests: number;
}

export interface FloorOutcome {
  load: LoadOutcome;
  /** The floor server's process cpu time during the load. */
  serverCpuMs: number | null;
  /** The bench process's cpu time during the load (the clients alone: no dispatch poller here). */
  clientsCpuMs: number;
}

/**
 * The submit benchmark's floor (bench/submit-floor-server.ts) under the same load as the manager:
 * the same clients, body and TLS (a certificate from a new cluster CA), in a process of its own,
 * after a warm-up. What it reaches is what the machine leaves any Node manager in that minute.
 */
export async function runFloor(ctx: BenchContext, plan: FloorPlan): Promise<FloorOutcome> {
  const dir = await ctx.resources.tempDir('poseidon-bench-submit-floor');
  const tls = await loopbackServerTls();
  await writeFile(join(dir, 'ca.crt'), tls.ca);
  await writeFile(join(dir, 'floor.crt'), tls.cert);
  await writeFile(join(dir, 'floor.key'), tls.key, { mode: 0o600 });
  const token = randomBytes(24).toString('hex');
  const server = await spawnListening(FLOOR_SERVER, [dir], {
    env: { POSEIDON_FLOOR_TOKEN: token },
    onSpawn: (p) => ctx.resources.trackProcess(p),
  });
  try {
    const load = (requests: number, durationMs: number, prefix: string): Promise<LoadOutcome> =>
      runLoad({
        url: server.url,
        ca: tls.ca,
        token,
        clients: plan.clients,
        maxRequests: requests,
        maxDurationMs: durationMs,
        body: (i) => benchTaskBody(ctx.runId, `${prefix}-${i}`),
        signal: ctx.signal,
      });
    ctx.progress(`submit: the floor (a bare Node server), warm-up, ${plan.warmupRequests} submissions`);
    await load(plan.warmupRequests, 60_000, 'bench-floor-warmup');
    ctx.progress(`submit: the floor, ${plan.clients} clients for ${plan.durationMs / 1000} s`);
    const cpuBefore = await readCpuMs(server.pid);
    const clientsBefore = process.cpuUsage();
    const measured = await load(plan.maxRequests, plan.durationMs, 'bench-floor');
    const clients = process.cpuUsage(clientsBefore);
    const cpuAfter = await readCpuMs(server.pid);
    return {
      load: measured,
      serverCpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
      clientsCpuMs: (clients.user + clients.system) / 1000,
    };
  } finally {
    await server.stop();
  }
}

/** The floor's figures, for the JSON result. */
export interface FloorFigures {
  accepted: number;
  failed: number;
  perSecond: number;
  p99Ms: number | null;
  serverCpuUsPerSubmission: number | null;
  clientsCpuUsPerSubmission: number;
}

export function floorFigures(floor: FloorOutcome): FloorFigures {
  const { load } = floor;
  const n = Math.max(1, load.accepted.length);
  const sorted = [...load.latenciesMs].sort((a, b) => a - b);
  return {
    accepted: load.accepted.length,
    failed: [...load.failures.values()].reduce((a, b) => a + b, 0),
    perSecond: load.accepted.length / (load.elapsedMs / 1000),
    p99Ms: sorted.length === 0 ? null : quantile(sorted, 0.99),
    serverCpuUsPerSubmission: floor.serverCpuMs === null ? null : (floor.serverCpuMs * 1000) / n,
    clientsCpuUsPerSubmission: (floor.clientsCpuMs * 1000) / n,
  };
}

/** The floor beside Poseidon, as lines of the report. */
export function floorLines(
  f: FloorFigures,
  poseidon: { perSecond: number; p99Ms: number | null; simulatedWorkers: number },
  goal: { minPerSecond: number; maxP99Ms: number },
): string[] {
  const usOf = (v: number | null): string => (v === null ? 'n/a' : count(v));
  return [
    formatGrid(
      ['side, same clients and TLS', 'submissions/s', 'p99 ms', 'server cpu µs per submission', 'clients cpu µs'],
      [
        [
          `poseidon (manager, ${poseidon.simulatedWorkers} simulated workers)`,
          count(poseidon.perSecond),
          msOr(poseidon.p99Ms),
          '(above)',
          '(above)',
        ],
        [
          'floor (node:https, one LMDB put; no workers)',
          count(f.perSecond),
          msOr(f.p99Ms),
          usOf(f.serverCpuUsPerSubmission),
          usOf(f.clientsCpuUsPerSubmission),
        ],
      ],
    ),
    `The floor (bench/submit-floor-server.ts) ran right after Poseidon${f.failed > 0 ? `, ${count(f.failed)} not 201` : ''}: ` +
      `Poseidon reached x${(poseidon.perSecond / Math.max(1, f.perSecond)).toFixed(2)} of its rate, ` +
      `doing besides placement, dispatch and its ${poseidon.simulatedWorkers} simulated workers on the same cores.`,
    floorGoalLine(f, goal),
  ];
}

/** Whether the machine, in the floor's minute, let even the bare server reach the goal. */
function floorGoalLine(f: FloorFigures, goal: { minPerSecond: number; maxP99Ms: number }): string {
  const met = f.failed === 0 && f.perSecond >= goal.minPerSecond && f.p99Ms !== null && f.p99Ms < goal.maxP99Ms;
  return met
    ? `The floor met the goal (${count(goal.minPerSecond)}/s, p99 under ${goal.maxP99Ms} ms) in its minute.`
    : `The floor itself missed the goal (${count(goal.minPerSecond)}/s, p99 under ${goal.maxP99Ms} ms) in its ` +
        'minute: the machine, as it was then, left no Node server room for it.';
}

function msOr(v: number | null): string {
  return v === null ? '-' : ms(v);
}
