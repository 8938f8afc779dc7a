import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  DEFAULT_FILTERS,
  EpvmScorer,
  NodePool,
  RoundRobinScorer,
  Scheduler,
  constraintsFilter,
  explain,
  hostPathFilter,
  select,
  volumeHomeFilter,
  type NodeView,
  type Scorer,
} from '../../../src/scheduler/index.js';
import { parseConstraint, type TaskRequest } from '../../../src/task/index.js';
import { placeIn } from '../../../testkit/place-in.js';
import { node, task } from './fixtures.js';

const constant: Scorer = { name: 'constant', score: () => 0 };

function labelled(id: string, labels: Record<string, string>, extra: Partial<NodeView> = {}): NodeView {
  return { ...node({ id }), labels, ...extra };
}

function constrained(...rules: string[]): TaskRequest {
  return task({ name: 'web', constraints: rules.map((r, i) => parseConstraint(`constraints.${i}`, r)) });
}

test('the constraints filter names the first rule a node fails; a task without constraints passes everywhere', () => {
  const t = constrained('node.labels.zone == a', 'node.name != w3');
  assert.equal(constraintsFilter.reject(t, labelled('w1', { zone: 'a' })), null);
  assert.equal(constraintsFilter.reject(t, labelled('w2', { zone: 'b' })), 'node does not match node.labels.zone == a');
  assert.equal(constraintsFilter.reject(t, labelled('w3', { zone: 'a' })), 'node does not match node.name != w3');
  assert.equal(constraintsFilter.reject(t, node({ id: 'w4' })), 'node does not match node.labels.zone == a');
  assert.equal(constraintsFilter.reject(task(), node({ id: 'w4' })), null);
});

test('a task no node matches is explained by the rule, counted per node', () => {
  const nodes = [labelled('w1', { zone: 'a' }), labelled('w2', { zone: 'a' }), node({ id: 'w3', up: false })];
  const p = select(constrained('node.labels.zone == b'), nodes, DEFAULT_FILTERS, constant);
  assert.equal(p.ok, false);
  if (p.ok) return;
  assert.equal(
    explain(p.explanation),
    '0/3 nodes can run web: 2 nodes do not match node.labels.zone == b, 1 node down',
  );
  const one = select(constrained('node.labels.zone == b'), nodes.slice(0, 1), DEFAULT_FILTERS, constant);
  assert.equal(
    one.ok ? '' : explain(one.explanation),
    '0/1 nodes can run web: 1 node does not match node.labels.zone == b',
  );
});

test('a constraint is checked before resources, so a node it rules out is not explained by its memory', () => {
  const full = labelled('w1', { zone: 'a' }, { allocated: { cpuCores: 0, memoryBytes: 16 * 2 ** 30, diskBytes: 0 } });
  const t = { ...constrained('node.labels.zone == b'), memoryBytes: 2 ** 30 };
  const p = select(t, [full], DEFAULT_FILTERS, constant);
  assert.equal(
    p.ok ? '' : explain(p.explanation),
    '0/1 nodes can run web: 1 node does not match node.labels.zone == b',
  );
});

test('the host path filter takes only nodes whose worker allows the directory, .. resolved', () => {
  const t = task({ volumes: [{ kind: 'host', hostPath: '/srv/poseidon/db', path: '/data', readOnly: false }] });
  const escaping = task({ volumes: [{ kind: 'host', hostPath: '/srv/poseidon/../etc', path: '/d', readOnly: false }] });
  const allows = { ...node({ id: 'w1' }), allowedHostPaths: ['/srv/poseidon'] };
  assert.equal(hostPathFilter.reject(t, allows), null);
  assert.equal(hostPathFilter.reject(t, node({ id: 'w2' })), 'node does not allow host path /srv/poseidon/db');
  assert.equal(hostPathFilter.reject(escaping, allows), 'node does not allow host path /srv/poseidon/../etc');
  const named = task({ volumes: [{ kind: 'volume', name: 'db', path: '/data', readOnly: false }] });
  assert.equal(hostPathFilter.reject(named, node({ id: 'w2' })), null);
});

test('volume affinity: only the node holding the volume passes, and the others say where it is', () => {
  const f = volumeHomeFilter([{ volume: 'db-data-1', nodeId: 'w2', nodeName: 'n2' }]);
  const nodes = [node({ id: 'w1' }), node({ id: 'w2' }), node({ id: 'w3' })];
  const t = task({ name: 'db' });
  const p = select(t, nodes, [...DEFAULT_FILTERS, f], constant);
  assert.deepEqual(p.ok ? p.nodeId : '-', 'w2');
  const down = select(
    t,
    [nodes[0] ?? node({ id: 'x' }), node({ id: 'w2', up: false })],
    [...DEFAULT_FILTERS, f],
    constant,
  );
  assert.equal(
    down.ok ? '' : explain(down.explanation),
    '0/2 nodes can run db: 1 node down, 1 volume db-data-1 is on node n2',
  );
});

test('the sampled fast path never places a constrained task on a node that does not match', () => {
  const zones = ['a', 'b', 'c'];
  fc.assert(
    fc.property(
      fc.array(fc.record({ zone: fc.constantFrom(...zones, 'none'), up: fc.boolean() }), {
        minLength: 1,
        maxLength: 80,
      }),
      fc.constantFrom(...zones),
      fc.constantFrom('==', '!='),
      fc.boolean(),
      (specs, zone, op, roundRobin) => {
        const nodes = specs.map((s, i) => {
          const id = `n${String(i).padStart(3, '0')}`;
          return s.zone === 'none' ? node({ id, up: s.up }) : { ...node({ id, up: s.up }), labels: { zone: s.zone } };
        });
        const scorer = roundRobin ? new RoundRobinScorer() : new EpvmScorer();
        const scheduler = new Scheduler(scorer, DEFAULT_FILTERS, { sampleSize: 4 });
        const pool = new NodePool(nodes);
        const t = { ...constrained(`node.labels.zone ${op} ${zone}`), memoryBytes: 2 ** 30 };
        const matching = nodes.filter((n) => n.up && (op === '==' ? n.labels?.zone === zone : n.labels?.zone !== zone));
        for (let i = 0; i < 40; i++) {
          const p = placeIn(scheduler, pool, t);
          if (!p.ok) {
            // nothing left that matches and has room: the scan agrees
            assert.equal(select(t, pool.views(), DEFAULT_FILTERS, scorer).ok, false);
            if (matching.length === 0) assert.match(explain(p.explanation), /do(es)? not match|down/);
            continue;
          }
          const chosen = pool.get(p.nodeId);
          assert.ok(chosen !== undefined && matching.some((m) => m.id === chosen.id), `placed on ${p.nodeId}`);
        }
      },
    ),
    { numRuns: 150 },
  );
});
