import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ManagerMetrics } from '../../../src/manager/metrics.js';
import { Placer } from '../../../src/manager/placer.js';
import type { NodeEntry } from '../../../src/manager/records.js';
import { strategyByName } from '../../../src/scheduler/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { taskRequest } from '../../helpers/task-request.js';
import { on, taskRecord } from './records-fixture.js';

const GiB = 2 ** 30;

function node(id: string, memoryGiB: number): NodeEntry {
  const capacity = { cpuCores: 4, memoryBytes: memoryGiB * GiB, diskBytes: 100 * GiB };
  return {
    record: { id, name: id, url: `http://${id}`, capacity, static: false, registeredAt: 't' },
    state: 'Up',
    lastHeartbeatMs: 0,
    metrics: null,
  };
}

function setup(): { placer: Placer; clock: FakeClock; registry: Registry } {
  const clock = new FakeClock();
  const registry = new Registry();
  const metrics = new ManagerMetrics(registry, {
    tasksByState: () => new Map(),
    nodesByState: () => new Map(),
    nodes: () => [],
    storeStats: () => ({ writes: 0, commits: 0 }),
  });
  const placer = new Placer({ strategy: strategyByName('roundrobin'), clock, log: pino({ level: 'silent' }), metrics });
  placer.setNode(node('n1', 2));
  placer.setNode(node('n2', 2));
  return { placer, clock, registry };
}

const big = (id: string) => taskRequest(id, { memoryBytes: 2 * GiB });

test('a record charges its node while it holds a container; moving or ending it releases the node and says capacity grew', () => {
  const { placer } = setup();
  const running = on('t1', 'Running', 'n1', 1, { request: big('t1') });
  assert.equal(placer.follow('t1', running), false);
  assert.equal(placer.pool.of('n1').resources.memoryBytes, 2 * GiB);
  assert.equal(placer.follow('t1', running), false, 'following the same record twice changes nothing');
  assert.equal(placer.follow('t1', { ...running, state: 'Completed' }), true);
  assert.equal(placer.pool.of('n1').count, 0);
  placer.follow('t2', on('t2', 'Scheduled', 'n2', 1, { request: big('t2') }));
  assert.equal(placer.follow('t2', undefined), true, 'a task that is gone holds nothing');
  assert.equal(placer.pool.of('n2').count, 0);
});

test('a choice charges nothing; once followed, the next task sees the node full', () => {
  const { placer } = setup();
  const first = placer.choose(big('t1'));
  assert.ok(first.ok);
  const second = placer.choose(big('t2'));
  assert.ok(second.ok);
  placer.follow('t1', on('t1', 'Scheduled', first.nodeId, 1, { request: big('t1') }));
  placer.follow('t2', on('t2', 'Scheduled', first.nodeId === 'n1' ? 'n2' : 'n1', 1, { request: big('t2') }));
  const third = placer.choose(big('t3'));
  assert.equal(third.ok, false);
  assert.match(third.ok ? '' : placer.explain(third), /^0\/2 nodes can run .*not enough free memory/);
});

test('a port the engine picked for a task is in use on its node: a task asking for it by number goes elsewhere', () => {
  const { placer } = setup();
  const dynamic = taskRequest('t1', { ports: [{ containerPort: 80, hostPort: 0, protocol: 'tcp' }] });
  const running = on('t1', 'Running', 'n1', 1, {
    request: dynamic,
    ports: [{ container: 80, host: 32768, protocol: 'tcp' }],
  });
  assert.equal(placer.follow('t1', running), true, 'the bound port changed what n1 holds');
  assert.deepEqual([...placer.pool.of('n1').ports.keys()], ['32768/tcp']);
  const fixed = taskRequest('t2', { ports: [{ containerPort: 8080, hostPort: 32768, protocol: 'tcp' }] });
  for (let i = 0; i < 3; i++) {
    const p = placer.choose(fixed, 'n1');
    assert.ok(p.ok && p.nodeId === 'n2', 'not n1, though it is preferred');
  }
  // its container gone, the port is free again
  assert.equal(placer.follow('t1', { ...running, state: 'Completed' }), true);
  assert.equal(placer.pool.of('n1').ports.size, 0);
  const again = placer.choose(fixed, 'n1');
  assert.ok(again.ok && again.nodeId === 'n1');
});

test('a restart prefers its node when it fits there', () => {
  const { placer } = setup();
  for (let i = 0; i < 3; i++) {
    const p = placer.choose(taskRequest('t1'), 'n2');
    assert.ok(p.ok && p.nodeId === 'n2');
  }
});

test('the time a task waited is observed when it is placed', async () => {
  const { placer, clock, registry } = setup();
  placer.follow('t1', taskRecord('t1'));
  clock.advance(2_000);
  placer.placed('t1', true);
  const text = await registry.getSingleMetricAsString('poseidon_scheduling_latency_seconds');
  assert.match(text, /poseidon_scheduling_latency_seconds_sum 2\n/);
  assert.match(await registry.getSingleMetricAsString('poseidon_scheduler_placements_total'), /result="placed"} 1/);
});
