import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ManagerTaskView } from '../../../src/api/index.js';
import { showStatus } from '../../../src/cli/status-action.js';
import { captured } from '../../helpers/captured-output.js';
import { serve } from '../../helpers/fake-manager.js';
import { managerTaskView } from '../../helpers/manager-task-view.js';

// `poseidon status TASK` against a stand-in manager, its output captured: the health it shows is
// a running container's (the manager's view keeps the last verdict after the container ended), and
// the task's labels are listed, escaped.

const ID = '1a2b3c4d-0000-4000-8000-000000000001';

/** A manager that answers GET /tasks/ID with `task` (and its usage with 404). */
async function manager(t: TestContext, task: ManagerTaskView): Promise<string> {
  const { url } = await serve(t, (req, res) => {
    if (req.url === `/tasks/${ID}`)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(task));
    else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found","message":"no"}');
  });
  return url;
}

async function statusOf(t: TestContext, fields: Partial<ManagerTaskView>): Promise<string> {
  const url = await manager(t, managerTaskView({ id: ID, ...fields }));
  const shown = await captured((io) => showStatus(ID, { manager: url }, io));
  assert.equal(shown.err, '');
  return shown.out;
}

const ENDED = { exitCode: 0, finishedAt: '2026-12-03T00:01:00.000Z' };

test('status TASK shows a running task its check verdict and last output', async (t) => {
  assert.match(await statusOf(t, {}), /^Health: +healthy \(HTTP 200\)$/m);
});

test('status TASK shows no verdict for a task whose container ended, whatever the last one was', async (t) => {
  // the manager's view still says healthy: the verdict from before the container stopped
  for (const state of ['Completed', 'Failed'] as const) {
    const out = await statusOf(t, { state, reason: 'exited with code 0', ...ENDED });
    assert.match(out, /^Health: +- \(container ended\)$/m, state);
    assert.doesNotMatch(out, /healthy|HTTP 200/, state);
  }
  const stopped = await statusOf(t, { state: 'Completed', desiredState: 'stopped', reason: 'stopped on request' });
  assert.match(stopped, /^Health: +- \(container ended\)$/m);
  const waiting = await statusOf(t, { state: 'Pending', containerId: null, reason: 'waiting for a node' });
  assert.match(waiting, /^Health: +- \(not running\)$/m);
});

test('status TASK lists its labels by key, escaped; none, a dash', async (t) => {
  const out = await statusOf(t, { labels: { team: 'web', env: 'prod\u001b[2J<b>x</b>' } });
  assert.match(out, /^Labels: +env=prod\\x1b\[2J<b>x<\/b>, team=web$/m);
  assert.doesNotMatch(out, /\u001b/, 'a terminal escape in a value is shown, not acted on');
  assert.match(await statusOf(t, {}), /^Labels: +-$/m);
});
