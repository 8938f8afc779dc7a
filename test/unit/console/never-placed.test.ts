import assert from 'node:assert/strict';
import { test } from 'node:test';
import { neverPlacedText, unplaceableText } from '../../../src/cli/unplaceable.js';
import { taskView } from '../../../src/console/decode.js';
import { managerTaskView } from '../../helpers/manager-task-view.js';
import { NEVER, pending } from '../../helpers/unplaceable-task.js';

// The web console marks the reason of a Pending task no node could ever hold, where it shows a
// task's reason (the tasks table, the task's page with what to do, a service's replicas), from the
// manager's `unplaceable`; a task that only waits for room, or is no longer wanted, keeps its own.

test('the console reads unplaceable from the manager, and null from an older one', () => {
  const never = taskView(JSON.parse(JSON.stringify(managerTaskView({ ...pending, unplaceable: NEVER }))));
  assert.deepEqual(never.unplaceable, NEVER);
  assert.equal(taskView(JSON.parse(JSON.stringify(managerTaskView({ ...pending })))).unplaceable, null);
  assert.throws(() => taskView({ ...managerTaskView({ ...pending }), unplaceable: { cause: 'memory' } }), /reason/);
});

test('a task no node could ever hold is marked so, with what to do on its page; others are not', () => {
  const never = taskView(managerTaskView({ ...pending, unplaceable: NEVER }));
  assert.equal(neverPlacedText(never), `can never be placed: ${NEVER.reason}`);
  assert.equal(neverPlacedText(never, true), `can never be placed: ${unplaceableText(NEVER)}`);
  assert.match(neverPlacedText(never, true) ?? '', /; lower --memory, or add a node that has that much$/);
  assert.equal(neverPlacedText(taskView(managerTaskView({ ...pending }))), undefined, 'it only waits for room');
  const stopped = taskView(managerTaskView({ ...pending, desiredState: 'stopped', unplaceable: NEVER }));
  assert.equal(neverPlacedText(stopped), undefined, 'no longer wanted running');
});
