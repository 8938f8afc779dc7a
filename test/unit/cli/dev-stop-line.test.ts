import assert from 'node:assert/strict';
import { test } from 'node:test';
import { devStopLine } from '../../../src/cli/dev-stop-line.js';

// The line `poseidon dev` ends with says what it leaves as it is: a task Pending (no node, as after
// `poseidon node rm` of its worker) is not "left running", and after that removal the next
// `poseidon dev` takes nothing over.

const LATER = (them: string): string =>
  `(the next poseidon dev takes ${them} over; poseidon dev --clean removes ${them})`;

test('the tasks not ended, each counted as the state it is in; ended ones are not counted', () => {
  const cases: Array<[Parameters<typeof devStopLine>[0], string]> = [
    [['Running'], `1 task left running ${LATER('it')}`],
    [['Running', 'Running', 'Completed', 'Failed'], `2 tasks left running ${LATER('them')}`],
    [['Pending'], `1 task left Pending ${LATER('it')}`],
    [
      ['Pending', 'Running', 'Scheduled', 'Pending'],
      `4 tasks left: 1 running, 1 Scheduled, 2 Pending ${LATER('them')}`,
    ],
    [undefined, `its tasks left as they were ${LATER('them')}`],
  ];
  for (const [states, words] of cases) assert.equal(devStopLine(states, false), `poseidon dev: stopped; ${words}\n`);
  assert.equal(devStopLine(['Completed', 'Failed'], false), 'poseidon dev: stopped; no task was left running\n');
  assert.equal(devStopLine([], true), 'poseidon dev: stopped; no task was left running\n');
});

test('after its worker was removed, the line says the next poseidon dev has none to take them over', () => {
  assert.equal(
    devStopLine(['Pending', 'Pending', 'Failed'], true),
    'poseidon dev: stopped; 2 tasks left Pending (its worker was removed: poseidon dev --clean removes them, ' +
      'then poseidon dev makes a new cluster)\n',
  );
});
