import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitTasks } from '../../../src/cli/wait-action.js';
import { captured } from '../../helpers/captured-output.js';
import { serveJson } from '../../helpers/fake-manager.js';
import { managerTaskView } from '../../helpers/manager-task-view.js';
import { NEVER, pending } from '../../helpers/unplaceable-task.js';

// What `wait` prints, against a stand-in manager: each exit code on stdout in the order given;
// a task that never ran, and one no node could ever hold, said on stderr, and exit 1.

const ended = { state: 'Completed', desiredState: 'stopped', restartAt: null } as const;
const TASKS: Record<string, object> = {
  ok: managerTaskView({ id: 'ok', name: 'ok', ...ended, exitCode: 0 }),
  bad: managerTaskView({ id: 'bad', name: 'bad', ...ended, state: 'Failed', exitCode: 3 }),
  never: managerTaskView({ id: 'never', name: 'never', ...ended, state: 'Failed', reason: 'image not found' }),
  huge: managerTaskView({ id: 'huge', name: 'huge', ...pending, unplaceable: NEVER }),
};

test('wait prints each exit code in the order given; one that never ran or never can is said on stderr', async (t) => {
  const url = await serveJson(t, (key) => TASKS[/^GET \/tasks\/(\w+)$/.exec(key)?.[1] ?? '']);
  assert.deepEqual(await captured((io) => waitTasks(['bad', 'ok'], { manager: url }, io)), {
    out: '3\n0\n',
    err: '',
    code: undefined,
  });
  const failed = await captured((io) => waitTasks(['huge', 'ok', 'never'], { manager: url }, io));
  assert.equal(failed.out, '0\n');
  assert.match(failed.err, /^poseidon: .*huge.*0\/2 nodes could ever hold it/);
  assert.match(failed.err, /\nposeidon: task never ended without running: image not found\n$/);
  assert.equal(failed.code, 1);
});
