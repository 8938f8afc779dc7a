import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { APPLY_WAIT_MS } from '../../../../src/discovery/index.js';
import { Consumers } from '../../../../src/manager/discovery/consumers.js';
import { DrainGate } from '../../../../src/manager/discovery/drain-gate.js';
import { FakeClock } from '../../../helpers/fake-clock.js';

const EPOCH = 'e1';
const T = 'task-1';

/** A gate over real Consumers and a fake clock; task T drains since revision 7, for `timeoutMs`. */
function gate(timeoutMs = 5_000): { gate: DrainGate; clock: FakeClock; consumers: Consumers; released: string[] } {
  const clock = new FakeClock();
  const consumers = new Consumers(() => clock.now());
  const released: string[] = [];
  const g = new DrainGate({
    clock,
    log: pino({ level: 'silent' }),
    epoch: EPOCH,
    drainingSince: (id) => (id === T ? 7 : undefined),
    consumers: () => consumers.live(),
    drainTimeoutMs: () => timeoutMs,
    release: (id, nodeId) => released.push(`${id}@${nodeId}`),
  });
  consumers.onChange(() => g.consumersChanged());
  return { gate: g, clock, consumers, released };
}

test('with no live consumer the stop goes once the change is published: nothing is held', () => {
  const { gate: g, clock } = gate();
  assert.equal(g.hold(T, 'n1'), false);
  assert.equal(g.hold('not-an-endpoint', 'n1'), false, 'a task with no draining endpoint is not held');
  assert.equal(clock.pendingTimers, 0);
});

test('a live consumer holds the stop until it applied the draining revision', () => {
  const { gate: g, consumers, released } = gate();
  consumers.open('host-a');
  assert.equal(g.hold(T, 'n1'), true);
  assert.equal(g.hold(T, 'n1'), true, 'asked again while held: still held, once');
  consumers.applied('host-a', { epoch: EPOCH, revision: 6 });
  assert.deepEqual(released, [], 'an older revision is not the change');
  consumers.applied('host-a', { epoch: 'other-run', revision: 9 });
  assert.deepEqual(released, [], 'a revision of another manager run counts for nothing');
  consumers.applied('host-a', { epoch: EPOCH, revision: 8 });
  assert.deepEqual(released, ['task-1@n1']);
  assert.equal(g.waiting, 0);
  assert.equal(g.hold(T, 'n1'), false, 'a retried stop of a drained task goes at once');
});

test('open connections hold it until they close, or until the drain timeout', () => {
  const a = gate(5_000);
  a.consumers.open('host-a');
  a.gate.hold(T, 'n1');
  a.consumers.applied('host-a', { epoch: EPOCH, revision: 7, draining: { [T]: 2 } });
  a.clock.advance(4_000);
  assert.deepEqual(a.released, [], 'applied, with 2 connections open: still draining');
  a.consumers.applied('host-a', { epoch: EPOCH, revision: 7, draining: { [T]: 0 } });
  assert.deepEqual(a.released, ['task-1@n1'], 'the last connection closed');

  const b = gate(5_000);
  b.consumers.open('host-a');
  b.gate.hold(T, 'n1');
  b.consumers.applied('host-a', { epoch: EPOCH, revision: 7, draining: { [T]: 1 } });
  b.clock.advance(4_999);
  assert.deepEqual(b.released, []);
  b.clock.advance(1);
  assert.deepEqual(b.released, ['task-1@n1'], 'drainTimeout passed');
  assert.equal(b.clock.pendingTimers, 0, 'no timer left behind');
});

test('a consumer that does not answer is waited for APPLY_WAIT_MS, from the change or from its own connect', () => {
  const { gate: g, clock, consumers, released } = gate(60_000);
  consumers.open('silent');
  g.hold(T, 'n1');
  clock.advance(APPLY_WAIT_MS - 1);
  assert.deepEqual(released, []);
  const late = consumers.open('late'); // connects during the drain: it gets its own wait
  g.consumersChanged(clock.now());
  clock.advance(1);
  assert.deepEqual(released, [], 'the silent one is given up on, the late one is still waited for');
  clock.advance(APPLY_WAIT_MS);
  assert.deepEqual(released, ['task-1@n1']);
  late.close();
});

test('a consumer that goes away is no longer waited for; a task that ended is forgotten', () => {
  const { gate: g, consumers, released, clock } = gate(60_000);
  const watch = consumers.open('host-a');
  g.hold(T, 'n1');
  watch.close();
  assert.deepEqual(released, ['task-1@n1']);

  const second = gate(60_000);
  second.consumers.open('host-a');
  second.gate.hold(T, 'n1');
  second.gate.forget(T); // its container ended on its own
  assert.equal(second.gate.waiting, 0);
  assert.equal(second.clock.pendingTimers, 0);
  second.clock.advance(120_000);
  assert.deepEqual(second.released, []);
  assert.equal(clock.pendingTimers, 0);
});
