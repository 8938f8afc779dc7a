import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EndpointView } from '../../../src/api/endpoints.js';
import { Balancer } from '../../../src/proxy/balancer.js';
import { SetAside } from '../../../src/proxy/set-aside.js';
import { FakeClock } from '../../helpers/fake-clock.js';

function endpoint(taskId: string, address: string): EndpointView {
  return { taskId, slot: 1, version: 1, nodeId: null, node: null, state: 'ready', address, ports: [] };
}

const READY = [endpoint('a', '10.0.0.1'), endpoint('b', '10.0.0.2'), endpoint('c', '10.0.0.3')];

function picks(balancer: Balancer, n: number, ready = READY, tried = new Set<string>()): string[] {
  return Array.from({ length: n }, () => balancer.pick(ready, tried)?.taskId ?? 'none');
}

test('round-robin goes round the ready replicas in turn', () => {
  const b = new Balancer('round-robin', 80, new SetAside(new FakeClock()), () => 0);
  assert.deepEqual(picks(b, 6), ['a', 'b', 'c', 'a', 'b', 'c']);
});

test('least-conn picks the replica with the fewest open connections, and spreads ties', () => {
  const open = new Map([
    ['a', 4],
    ['b', 1],
    ['c', 2],
  ]);
  const b = new Balancer('least-conn', 80, new SetAside(new FakeClock()), (id) => open.get(id) ?? 0);
  assert.deepEqual(picks(b, 3), ['b', 'b', 'b']);
  open.set('b', 9);
  assert.deepEqual(picks(b, 2), ['c', 'c']);
  const idle = new Balancer('least-conn', 80, new SetAside(new FakeClock()), () => 0);
  assert.deepEqual(new Set(picks(idle, 3)), new Set(['a', 'b', 'c']));
});

test('a replica already tried for this connection is skipped; none left is undefined', () => {
  const b = new Balancer('round-robin', 80, new SetAside(new FakeClock()), () => 0);
  assert.deepEqual(picks(b, 4, READY, new Set(['a', 'c'])), ['b', 'b', 'b', 'b']);
  assert.equal(b.pick(READY, new Set(['a', 'b', 'c'])), undefined);
  assert.equal(b.pick([], new Set()), undefined);
});

test('the target is the replica address and the service port', () => {
  const b = new Balancer('round-robin', 8080, new SetAside(new FakeClock()), () => 0);
  assert.deepEqual(b.pick(READY, new Set()), { taskId: 'a', address: '10.0.0.1', port: 8080, key: '10.0.0.1:8080' });
});

test('three failed connects in a row set a replica aside for the set-aside time, then it is tried again', () => {
  const clock = new FakeClock();
  const aside = new SetAside(clock, { failuresInRow: 3, setAsideMs: 10_000 });
  const b = new Balancer('round-robin', 80, aside, () => 0);
  assert.equal(aside.failed('10.0.0.2:80'), false);
  assert.equal(aside.failed('10.0.0.2:80'), false);
  assert.equal(aside.isAside('10.0.0.2:80'), false);
  assert.equal(aside.failed('10.0.0.2:80'), true);
  assert.equal(aside.isAside('10.0.0.2:80'), true);
  assert.deepEqual(new Set(picks(b, 6)), new Set(['a', 'c']));
  clock.advance(9_999);
  assert.equal(aside.isAside('10.0.0.2:80'), true);
  clock.advance(1);
  assert.equal(aside.isAside('10.0.0.2:80'), false);
  assert.deepEqual(new Set(picks(b, 6)), new Set(['a', 'b', 'c']));
  // back on probation: one more failure sets it aside again
  assert.equal(aside.failed('10.0.0.2:80'), true);
  assert.equal(aside.isAside('10.0.0.2:80'), true);
});

test('a success clears the failures, so only failures in a row count', () => {
  const aside = new SetAside(new FakeClock(), { failuresInRow: 3, setAsideMs: 10_000 });
  aside.failed('k');
  aside.failed('k');
  aside.succeeded('k');
  assert.equal(aside.failed('k'), false);
  assert.equal(aside.failed('k'), false);
  assert.equal(aside.failed('k'), true);
});

test('a failure while set aside does not extend the time; forgetting a replica drops its record', () => {
  const clock = new FakeClock();
  const aside = new SetAside(clock, { failuresInRow: 1, setAsideMs: 1_000 });
  assert.equal(aside.failed('k'), true);
  clock.advance(500);
  assert.equal(aside.failed('k'), false);
  clock.advance(500);
  assert.equal(aside.isAside('k'), false);
  aside.failed('k');
  aside.retain(new Set());
  assert.equal(aside.isAside('k'), false);
});

test('when every replica is set aside, one is still tried rather than refusing the client', () => {
  const aside = new SetAside(new FakeClock(), { failuresInRow: 1, setAsideMs: 10_000 });
  for (const e of READY) aside.failed(`${e.address}:80`);
  const b = new Balancer('least-conn', 80, aside, () => 0);
  assert.notEqual(b.pick(READY, new Set()), undefined);
});
