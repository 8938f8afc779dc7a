import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { removeNode, stopTasks } from '../../../src/cli/status-action.js';
import { captured } from '../../helpers/captured-output.js';
import { serveJson } from '../../helpers/fake-manager.js';

// What `stop` and `node rm` print, against a stand-in manager: a line a task, what becomes of a
// replica; the node removed and the volumes it held.

const TASKS: Record<string, object> = {
  plain: { id: 'plain', state: 'Running', reason: '' },
  replica: { id: 'replica', service: 'web', state: 'Running', reason: '' },
};

async function manager(t: TestContext): Promise<string> {
  return serveJson(t, (key) => {
    const task = /^DELETE \/tasks\/(\w+)$/.exec(key)?.[1];
    return task !== undefined
      ? TASKS[task]
      : key === 'GET /services/web'
        ? { name: 'web', mode: 'replicated', spec: { task: {} } }
        : key === 'GET /volumes'
          ? [{ name: 'pgdata', nodeId: 'n-1' }]
          : key === 'DELETE /nodes/edge-1'
            ? { name: 'edge-1', nodeId: 'n-1' }
            : undefined;
  });
}

test('stop prints a line a task, and what a replica becomes; --json the tasks', async (t) => {
  const url = await manager(t);
  const { out, err } = await captured((io) => stopTasks(['plain', 'replica'], { manager: url }, io));
  assert.equal(
    out,
    'plain stopping\n' +
      'replica stopping; a replica of service web, which starts another in its place ' +
      '(to run fewer: poseidon service scale web N)\n',
  );
  assert.equal(err, '');
  const json = await captured((io) => stopTasks(['plain', 'replica'], { manager: url, json: true }, io));
  assert.deepEqual(JSON.parse(json.out), [TASKS.plain, TASKS.replica]);
});

test('node rm prints the node removed and the volumes the manager forgets with it', async (t) => {
  const url = await manager(t);
  const { out } = await captured((io) => removeNode('edge-1', { manager: url }, io));
  assert.equal(
    out,
    'node edge-1 (n-1) removed; its certificate is refused from now on\n' +
      'its volume pgdata is forgotten: tasks that mount it start elsewhere with a new, empty one ' +
      '(the data stays on that machine)\n',
  );
});
