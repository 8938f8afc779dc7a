import assert from 'node:assert/strict';
import { test } from 'node:test';
import { taskDetail, taskTable } from '../../../src/cli/format.js';
import { replicaRow, serviceTaskTable } from '../../../src/cli/service-format.js';
import { TASK_TABLE_FIELDS } from '../../../src/cli/task-table-fields.js';
import { unplaceableText } from '../../../src/cli/unplaceable.js';
import { TASK_VIEW_FIELDS } from '../../../src/api/index.js';
import { managerTaskView, serviceTaskView } from '../../helpers/manager-task-view.js';
import { NEVER, pending, WAITS } from '../../helpers/unplaceable-task.js';

// A Pending task no node could ever hold says so where its reason is shown: the REASON column of
// `poseidon status` and `service ps` (and `stack ps`, by the same row), and `status TASK` with what
// to do; a task that merely waits for room, or is no longer wanted running, keeps its own reason.

const NOW = Date.parse('2026-12-03T00:01:00.000Z');

test('status: REASON says no node could ever hold it, while it is so; else the plain reason', () => {
  const never = managerTaskView({ ...pending, id: 'a0000000-1', unplaceable: NEVER });
  const waits = managerTaskView({ ...pending, id: 'b0000000-1' });
  const stopped = managerTaskView({ ...pending, id: 'c0000000-1', desiredState: 'stopped', unplaceable: NEVER });
  const rows = taskTable([never, waits, stopped], NOW).split('\n');
  assert.ok(rows[1]?.startsWith('a0000000') && rows[1].endsWith(NEVER.reason), rows[1]);
  assert.ok(rows[2]?.endsWith(WAITS), rows[2]);
  assert.ok(rows[3]?.endsWith(WAITS), rows[3]);
  // `status` asks the manager for the table's fields alone: this one among them, and one it takes
  assert.ok((TASK_TABLE_FIELDS as readonly string[]).includes('unplaceable'));
  assert.ok((TASK_VIEW_FIELDS as readonly string[]).includes('unplaceable'));
});

test('status TASK: the reason no node could ever hold it, with what to do', () => {
  const detail = taskDetail(managerTaskView({ ...pending, unplaceable: NEVER }), NOW);
  const reason = detail.split('\n').find((l) => l.startsWith('Reason'));
  assert.equal(reason?.replace(/^Reason: +/, ''), unplaceableText(NEVER));
  assert.match(unplaceableText(NEVER), /could ever hold it: .*; lower --memory, or add a node that has that much$/);
  const plain = taskDetail(managerTaskView({ ...pending }), NOW).split('\n');
  assert.equal(plain.find((l) => l.startsWith('Reason'))?.replace(/^Reason: +/, ''), WAITS);
});

test('service ps: a replica no node could ever hold says so in REASON', () => {
  const never = serviceTaskView(1, { ...pending, unplaceable: NEVER });
  const waits = serviceTaskView(2, { ...pending });
  assert.equal(replicaRow(never).at(-1), NEVER.reason);
  assert.equal(replicaRow(waits).at(-1), WAITS);
  const rows = serviceTaskTable([never, waits]).split('\n');
  assert.ok(rows[1]?.endsWith(NEVER.reason), rows[1]);
  assert.ok(rows[2]?.endsWith(WAITS), rows[2]);
});
