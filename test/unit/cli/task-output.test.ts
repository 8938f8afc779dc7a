import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { submitImage } from '../../../src/cli/task-action.js';
import { captured } from '../../helpers/captured-output.js';
import { serve } from '../../helpers/fake-manager.js';
import { managerTaskView } from '../../helpers/manager-task-view.js';

// What `run` and `task` print, against a stand-in manager: the id, the task as JSON, and with
// --wait the state it reached, and for a failure the container's last output under it.

const ID = '4c372f78-b5a9-4e1d-9a55-0123456789ab';
const RUNNING = managerTaskView({ id: ID, name: 'job-1' });
const FAILED = managerTaskView({
  id: ID,
  name: 'job-1',
  state: 'Failed',
  reason: 'exited with code 127',
  exitCode: 127,
  containerId: 'c1',
  health: { status: 'none', failures: 0, lastOutput: '', lastCheckedAt: null },
  lastExit: { reason: 'exited with code 127', exitCode: 127, at: '2026-12-03T00:00:01.000Z' },
});

/** A manager whose submitted task is `task`, with its logs (as an older manager gives them: all stdout). */
async function manager(t: TestContext, task: object): Promise<string> {
  const { url } = await serve(t, (req, res) => {
    const key = `${req.method} ${req.url?.split('?')[0]}`;
    if (key === 'POST /tasks' || key === `GET /tasks/${ID}`)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(task));
    else if (key === `GET /tasks/${ID}/logs`)
      res.writeHead(200, { 'content-type': 'text/plain' }).end('sh: nope: not found\n');
    else res.writeHead(404).end();
  });
  return url;
}

test('run prints the id alone, --json the task', async (t) => {
  const url = await manager(t, RUNNING);
  assert.deepEqual(await captured((io) => submitImage('busybox', ['true'], { manager: url, timeout: '60s' }, io)), {
    out: `${ID}\n`,
    err: '',
    code: undefined,
  });
  const json = await captured((io) => submitImage('busybox', [], { manager: url, timeout: '60s', json: true }, io));
  assert.deepEqual(JSON.parse(json.out), RUNNING);
});

test('run --wait that fails: the line on stdout, its last output under it (each line to its stream), exit 127', async (t) => {
  const url = await manager(t, FAILED);
  const flags = { manager: url, timeout: '60s', wait: true };
  assert.deepEqual(await captured((io) => submitImage('busybox', ['nope'], flags, io)), {
    out: `${ID} Failed on n1: exited with code 127\n  sh: nope: not found\n`,
    err: 'poseidon: its last output (poseidon logs 4c372f78 for all of it):\n',
    code: 127,
  });
  const json = await captured((io) => submitImage('busybox', ['nope'], { ...flags, json: true }, io));
  assert.deepEqual(JSON.parse(json.out), FAILED);
  assert.equal(json.err, '', '--json prints the task alone');
});
