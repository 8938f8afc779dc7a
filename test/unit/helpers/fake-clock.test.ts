import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../helpers/fake-clock.js';

// The manager tests lean on this clock; these pin down the rules they assume.

test('fake clock fires due timers in due order, with now() at each due time', () => {
  const clock = new FakeClock(1_000);
  const fired: Array<[string, number]> = [];
  clock.setTimer(300, () => fired.push(['c', clock.now()]));
  clock.setTimer(100, () => fired.push(['a', clock.now()]));
  clock.setTimer(100, () => fired.push(['b', clock.now()]));
  clock.setTimer(301, () => fired.push(['late', clock.now()]));
  clock.advance(300);
  assert.deepEqual(fired, [
    ['a', 1_100],
    ['b', 1_100],
    ['c', 1_300],
  ]);
  assert.equal(clock.now(), 1_300);
  assert.equal(clock.pendingTimers, 1);
});

test('fake clock never fires a cancelled timer', () => {
  const clock = new FakeClock(0);
  let fired = false;
  const cancel = clock.setTimer(10, () => {
    fired = true;
  });
  cancel();
  clock.advance(100);
  assert.equal(fired, false);
  assert.equal(clock.pendingTimers, 0);
});

test('fake clock fires timers set by a firing timer when they fall within the window', () => {
  const clock = new FakeClock(0);
  const fired: number[] = [];
  const tick = (): void => {
    fired.push(clock.now());
    clock.setTimer(100, tick);
  };
  clock.setTimer(100, tick);
  clock.advance(350);
  assert.deepEqual(fired, [100, 200, 300]);
  assert.equal(clock.now(), 350);
});
