import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_TIMER_MS, setLongTimer, systemClock } from '../../../src/clock/index.js';

/** A setTimeout stand-in that records each step's delay and fires only when the test says. */
function steps(): { delays: number[]; fire(): void; schedule: (fn: () => void, ms: number) => object } {
  const queue: Array<() => void> = [];
  const delays: number[] = [];
  return {
    delays,
    fire: () => queue.shift()?.(),
    schedule: (fn, ms) => {
      delays.push(ms);
      queue.push(fn);
      return {};
    },
  };
}

test('a delay longer than one Node timer holds is waited out in steps no longer than MAX_TIMER_MS', () => {
  const s = steps();
  let fired = false;
  const ms = 700 * 24 * 3_600_000; // 700 days
  setLongTimer(ms, () => (fired = true), s.schedule);
  let guard = 0;
  while (!fired && guard++ < 100) s.fire();
  assert.equal(fired, true);
  assert.ok(
    s.delays.every((d) => d > 0 && d <= MAX_TIMER_MS),
    `every step within a timer's range: ${s.delays.join(', ')}`,
  );
  assert.equal(
    s.delays.reduce((a, b) => a + b, 0),
    ms,
  );
  assert.equal(s.delays.length, Math.ceil(ms / MAX_TIMER_MS));
});

test('a short delay is one step', () => {
  const s = steps();
  let fired = 0;
  setLongTimer(1_500, () => (fired += 1), s.schedule);
  s.fire();
  assert.deepEqual(s.delays, [1_500]);
  assert.equal(fired, 1);
});

test('a long timer cancelled between steps never fires', () => {
  const s = steps();
  let fired = false;
  const cancel = setLongTimer(3 * MAX_TIMER_MS, () => (fired = true), s.schedule);
  s.fire();
  cancel();
  for (let i = 0; i < 5; i++) s.fire();
  assert.equal(fired, false);
});

test('the system clock does not fire a timer beyond 2^31-1 ms at once (Node alone fires it after 1 ms)', async () => {
  let fired = false;
  const cancel = systemClock.setTimer(MAX_TIMER_MS + 10_000, () => (fired = true));
  await sleep(50);
  cancel();
  assert.equal(fired, false);
});
