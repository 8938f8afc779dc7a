// The `lb` benchmark's mesh table: each mesh side's wrk rounds, with the CPU the proxy's worker
// and the far worker (the one holding the tunnels) spent per request in the same rounds, and each
// other-host row beside its same-host row (the same mode and connections). Pure: no I/O.
import type { WrkResult } from './lb-references.js';
import { median, summarizeSide, type SideSummary } from './lb-summary.js';
import { count, formatGrid } from './table.js';

/** Where a mesh side's requests go: a replica without a proxy, or a service VIP with replicas here or there. */
export type MeshPath = 'replica' | 'same host' | 'other host';
export type MeshMode = 'tcp' | 'http';
export type MeshConnections = 'kept alive' | 'one per request';

export interface MeshSide {
  name: string;
  path: MeshPath;
  /** The service port's mode; absent for the replica reached without a proxy. */
  mode?: MeshMode;
  connections: MeshConnections;
}

/** One wrk round of a mesh side, with the CPU time (ms, user + system, from /proc) each worker used during it. */
export interface MeshRun extends WrkResult {
  proxyCpuMs: number;
  farCpuMs: number;
}

export interface MeshRow extends SideSummary {
  path: MeshPath;
  mode: MeshMode | null;
  connections: MeshConnections;
  /** Medians over the rounds of each round's CPU time over its requests, µs. */
  proxyCpuUsPerRequest: number;
  farCpuUsPerRequest: number;
  /** An other-host row's requests/s over its same-host row's; undefined for the others. */
  vsSameHost?: number;
}

/** A side's key in the samples: its name and its connections (each name comes with both). */
export function sideKey(side: MeshSide): string {
  return `${side.name}, ${side.connections}`;
}

/** CPU µs per request in one round; NaN when the round served none. */
function perRequestUs(cpuMs: number, requests: number): number {
  return requests > 0 ? (cpuMs * 1000) / requests : Number.NaN;
}

/** One row per side, in the sides' order; an other-host row gets its same-host row's ratio. */
export function meshRows(sides: readonly MeshSide[], samples: ReadonlyMap<string, readonly MeshRun[]>): MeshRow[] {
  const rows = sides.map((side): MeshRow => {
    const runs = samples.get(sideKey(side)) ?? [];
    return {
      ...summarizeSide(side.name, runs),
      path: side.path,
      mode: side.mode ?? null,
      connections: side.connections,
      proxyCpuUsPerRequest: median(runs.map((r) => perRequestUs(r.proxyCpuMs, r.requests))),
      farCpuUsPerRequest: median(runs.map((r) => perRequestUs(r.farCpuMs, r.requests))),
    };
  });
  for (const row of rows) {
    if (row.path !== 'other host') continue;
    const near = rows.find((r) => r.path === 'same host' && r.mode === row.mode && r.connections === row.connections);
    if (near !== undefined) row.vsSameHost = row.requestsPerSecond / near.requestsPerSecond;
  }
  return rows;
}

function us(n: number): string {
  return Number.isNaN(n) ? '-' : n.toFixed(0);
}

/** The table: one line per side, the other-host rows' `vs same host` and both workers' CPU per request. */
export function formatMeshTable(rows: readonly MeshRow[]): string {
  const isRef = (r: MeshRow): boolean =>
    r.path === 'same host' &&
    rows.some((o) => o.path === 'other host' && o.mode === r.mode && o.connections === r.connections);
  return formatGrid(
    [
      'side',
      'connections',
      'req/s',
      'vs same host',
      'p50 ms',
      'p99 ms',
      'requests',
      'errors',
      "proxy's worker µs/req",
      'far worker µs/req',
    ],
    rows.map((r) => [
      r.side,
      r.connections,
      count(r.requestsPerSecond),
      r.vsSameHost !== undefined ? `x${r.vsSameHost.toFixed(2)}` : isRef(r) ? 'ref' : '',
      r.p50Ms.toFixed(2),
      r.p99Ms.toFixed(2),
      count(r.requests),
      String(r.errors),
      us(r.proxyCpuUsPerRequest),
      us(r.farCpuUsPerRequest),
    ]),
  );
}

/**
 * One sentence per other-host row: its rate against the same host's, the p99 it adds, and the CPU
 * each worker spent a request; the far worker's during the same-host row (which it takes no part
 * in) is its background, for scale.
 */
export function meshCostLines(rows: readonly MeshRow[]): string[] {
  return rows.flatMap((far) => {
    const near = rows.find((r) => r.path === 'same host' && r.mode === far.mode && r.connections === far.connections);
    if (far.path !== 'other host' || near === undefined) return [];
    const p99 = far.p99Ms - near.p99Ms;
    const how = far.connections === 'kept alive' ? 'connections kept alive' : 'a new connection per request';
    return [
      `Through a tunnel, ${far.mode ?? ''} mode, ${how}: ${count(far.requestsPerSecond)} req/s against ` +
        `${count(near.requestsPerSecond)} on the same host (x${(far.requestsPerSecond / near.requestsPerSecond).toFixed(2)}), ` +
        `p99 ${p99 >= 0 ? '+' : '−'}${Math.abs(p99).toFixed(2)} ms; CPU a request: the far worker ` +
        `${us(far.farCpuUsPerRequest)} µs (${us(near.farCpuUsPerRequest)} during the same-host row), ` +
        `the proxy's worker ${us(far.proxyCpuUsPerRequest)} µs (${us(near.proxyCpuUsPerRequest)} on the same host).`,
    ];
  });
}
