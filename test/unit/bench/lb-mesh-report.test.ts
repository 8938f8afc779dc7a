import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatMeshTable,
  meshCostLines,
  meshRows,
  sideKey,
  type MeshRun,
  type MeshSide,
} from '../../../bench/lb-mesh-report.js';

const SIDES: MeshSide[] = [
  { name: 'replica, no proxy', path: 'replica', connections: 'kept alive' },
  { name: 'tcp, same host', path: 'same host', mode: 'tcp', connections: 'kept alive' },
  { name: 'tcp, other host', path: 'other host', mode: 'tcp', connections: 'kept alive' },
  { name: 'tcp, same host', path: 'same host', mode: 'tcp', connections: 'one per request' },
  { name: 'tcp, other host', path: 'other host', mode: 'tcp', connections: 'one per request' },
];

function run(requestsPerSecond: number, requests: number, proxyCpuMs: number, farCpuMs: number, p99Ms = 2): MeshRun {
  return { requestsPerSecond, requests, p50Ms: 1, p99Ms, errors: 0, proxyCpuMs, farCpuMs };
}

const samples = new Map<string, MeshRun[]>([
  [sideKey(SIDES[0] as MeshSide), [run(20_000, 100_000, 10, 0)]],
  // CPU per request: 10, 20, 30 µs (the median 20); the far worker 1 µs, its background
  [
    sideKey(SIDES[1] as MeshSide),
    [run(10_000, 50_000, 500, 50), run(12_000, 50_000, 1_000, 50), run(9_000, 50_000, 1_500, 50)],
  ],
  [
    sideKey(SIDES[2] as MeshSide),
    [run(5_000, 25_000, 1_000, 1_500, 5), run(4_000, 25_000, 1_250, 1_250, 7), run(6_000, 25_000, 750, 2_000, 6)],
  ],
  [sideKey(SIDES[3] as MeshSide), [run(2_000, 10_000, 2_000, 0)]],
  [sideKey(SIDES[4] as MeshSide), [run(100, 500, 1_500, 1_600, 900)]],
]);

test('each mesh row has the medians of its rounds, CPU per request, and an other-host row its same-host ratio', () => {
  const rows = meshRows(SIDES, samples);
  assert.deepEqual(
    rows.map((r) => [r.side, r.connections, r.requestsPerSecond, r.requests]),
    [
      ['replica, no proxy', 'kept alive', 20_000, 100_000],
      ['tcp, same host', 'kept alive', 10_000, 150_000],
      ['tcp, other host', 'kept alive', 5_000, 75_000],
      ['tcp, same host', 'one per request', 2_000, 10_000],
      ['tcp, other host', 'one per request', 100, 500],
    ],
  );
  const [replica, near, far, nearNew, farNew] = rows;
  assert.equal(near?.proxyCpuUsPerRequest, 20);
  assert.equal(near?.farCpuUsPerRequest, 1);
  assert.equal(far?.proxyCpuUsPerRequest, 40);
  assert.equal(far?.farCpuUsPerRequest, 60);
  assert.equal(far?.p99Ms, 6);
  assert.equal(far?.vsSameHost, 0.5);
  assert.equal(farNew?.vsSameHost, 0.05, "compared with the same host's row of the same connections");
  assert.equal(farNew?.farCpuUsPerRequest, 3_200);
  assert.equal(near?.vsSameHost, undefined);
  assert.equal(replica?.mode, null);
  assert.equal(nearNew?.mode, 'tcp');
});

test('a side with no rounds gives NaN figures, shown as "-", not a throw', () => {
  const rows = meshRows(SIDES, new Map());
  assert.ok(Number.isNaN(rows[0]?.farCpuUsPerRequest));
  assert.match(formatMeshTable(rows), /\| +- \| +- \|$/m);
});

test('the table marks the same-host rows ref and the other-host rows with their ratio; one cost line per tunnel row', () => {
  const rows = meshRows(SIDES, samples);
  const table = formatMeshTable(rows).split('\n');
  assert.match(table[0] ?? '', /^\| side +\| +connections \| +req\/s \| vs same host \|/);
  assert.match(table[2] ?? '', /^\| replica, no proxy \| +kept alive \| 20,000 \| +\|/, 'no reference for the replica');
  assert.match(table[3] ?? '', /^\| tcp, same host +\| +kept alive \| 10,000 \| +ref \|/);
  assert.match(table[4] ?? '', /^\| tcp, other host +\| +kept alive \| +5,000 \| +x0\.50 \|.*\| +40 \| +60 \|$/);
  assert.match(table[6] ?? '', /\| +x0\.05 \|/);
  assert.deepEqual(meshCostLines(rows), [
    'Through a tunnel, tcp mode, connections kept alive: 5,000 req/s against 10,000 on the same host (x0.50), ' +
      "p99 +4.00 ms; CPU a request: the far worker 60 µs (1 during the same-host row), the proxy's worker 40 µs " +
      '(20 on the same host).',
    'Through a tunnel, tcp mode, a new connection per request: 100 req/s against 2,000 on the same host (x0.05), ' +
      "p99 +898.00 ms; CPU a request: the far worker 3200 µs (0 during the same-host row), the proxy's worker 3000 µs " +
      '(200 on the same host).',
  ]);
});
