import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TASK_STATES, taskView } from '../../../src/console/decode.js';
import { choiceHash, choiceOf, MAX_QUERY, tasksShown } from '../../../src/console/task-filter.js';
import { managerTaskView } from '../../helpers/manager-task-view.js';

// The overview lists the newest 50 tasks: with 200, one further down is found by its name or id.

const at = (i: number): string => new Date(Date.UTC(2026, 11, 7, 10, 0, i)).toISOString();
const tasks = Array.from({ length: 200 }, (_, i) =>
  taskView(
    managerTaskView({
      id: `${i.toString(16).padStart(4, '0')}aaaa-0000-4000-8000-000000000000`,
      name: `batch-${String(i).padStart(3, '0')}`,
      state: i % 10 === 0 ? 'Failed' : 'Running',
      submittedAt: at(i),
    }),
  ),
);

test('every task is listed, newest first, when nothing is typed', () => {
  const shown = tasksShown(tasks, 'all', '');
  assert.equal(shown.length, 200);
  assert.equal(shown[0]?.name, 'batch-199');
  assert.equal(shown.at(-1)?.name, 'batch-000');
});

test('what is typed keeps the tasks whose name holds it, or whose id starts with it, in any case', () => {
  assert.deepEqual(
    tasksShown(tasks, 'all', ' Batch-00 ').map((t) => t.name),
    [
      'batch-009',
      'batch-008',
      'batch-007',
      'batch-006',
      'batch-005',
      'batch-004',
      'batch-003',
      'batch-002',
      'batch-001',
      'batch-000',
    ],
  );
  assert.deepEqual(
    tasksShown(tasks, 'all', '0007').map((t) => t.name),
    ['batch-007'],
    'an id prefix',
  );
  assert.deepEqual(tasksShown(tasks, 'all', 'nothing-like-it'), []);
});

test('the state chosen and what is typed both hold', () => {
  assert.deepEqual(
    tasksShown(tasks, 'Failed', 'batch-1').map((t) => t.name),
    [
      'batch-190',
      'batch-180',
      'batch-170',
      'batch-160',
      'batch-150',
      'batch-140',
      'batch-130',
      'batch-120',
      'batch-110',
      'batch-100',
    ],
  );
  assert.equal(tasksShown(tasks, 'Failed', '').length, 20);
});

test('text past what a name or an id can be is cut to it', () => {
  assert.deepEqual(tasksShown(tasks, 'all', `batch-042${'x'.repeat(MAX_QUERY)}`), []);
  assert.equal(tasksShown(tasks, 'all', `${'0'.repeat(3)}a${' '.repeat(200)}`).length, 1);
});

test('the list as chosen is kept in the address, so the back button returns to it', () => {
  const choice = { state: 'Failed', query: 'web 1' } as const;
  assert.equal(choiceHash(choice), '#/?state=Failed&find=web+1');
  assert.deepEqual(choiceOf(choiceHash(choice), TASK_STATES), choice);
  assert.equal(choiceHash({ state: 'all', query: '' }), '#/');
  assert.deepEqual(choiceOf('#/', TASK_STATES), { state: 'all', query: '' });
  assert.deepEqual(choiceOf('', TASK_STATES), { state: 'all', query: '' });
  // what is not a state, or longer than the find box takes, is not taken
  assert.deepEqual(choiceOf(`#/?state=Exploded&find=${'x'.repeat(100)}`, TASK_STATES), {
    state: 'all',
    query: 'x'.repeat(MAX_QUERY),
  });
});
