import assert from 'node:assert/strict';
import { test } from 'node:test';
import { floorLines, type FloorFigures } from '../../../bench/submit-floor.js';

const GOAL = { minPerSecond: 5_000, maxP99Ms: 50 };
const POSEIDON = { perSecond: 4_000, p99Ms: 40, simulatedWorkers: 20 };

function floor(perSecond: number, p99Ms: number | null, failed = 0): FloorFigures {
  return {
    accepted: perSecond * 20,
    failed,
    perSecond,
    p99Ms,
    serverCpuUsPerSubmission: 50,
    clientsCpuUsPerSubmission: 20,
  };
}

test('floorLines says the floor met the goal when its rate and p99 both did', () => {
  const last = floorLines(floor(9_000, 20), POSEIDON, GOAL).at(-1) ?? '';
  assert.match(last, /^The floor met the goal \(5,000\/s, p99 under 50 ms\)/);
});

test('floorLines says the floor itself missed the goal on its rate, its p99, or a refusal', () => {
  for (const f of [floor(4_614, 20), floor(9_000, 71.9), floor(9_000, null), floor(9_000, 20, 3)]) {
    const last = floorLines(f, POSEIDON, GOAL).at(-1) ?? '';
    assert.match(last, /^The floor itself missed the goal/, JSON.stringify(f));
  }
});

test('floorLines gives Poseidon its share of the floor', () => {
  assert.match(floorLines(floor(8_000, 20), POSEIDON, GOAL).join('\n'), /Poseidon reached x0\.50 of its rate/);
});
