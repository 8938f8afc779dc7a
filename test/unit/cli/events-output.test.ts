import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printEvents } from '../../../src/cli/events-action.js';
import { captured } from '../../helpers/captured-output.js';
import { serve } from '../../helpers/fake-manager.js';

// What `events --until now` prints, against a stand-in manager that sends the events it kept and
// ends the stream: a line an event for people (--json: each as it came), the filters applied.

const STARTED = {
  time: '2026-12-03T10:00:00.123Z',
  type: 'task.started',
  taskId: '4c372f78-b5a9',
  taskName: 'web-1',
  node: 'w1',
  reason: 'running',
};
const READY = { time: '2026-12-03T10:00:01.000Z', type: 'node.ready', node: 'w2' };

test('events prints a line an event on stdout, filtered; --json each line as the manager sent it', async (t) => {
  const asked: string[] = [];
  const { url } = await serve(t, (req, res) => {
    asked.push(req.url ?? '');
    res
      .writeHead(200, { 'content-type': 'application/x-ndjson' })
      .end(`${JSON.stringify(STARTED)}\n${JSON.stringify(READY)}\n`);
  });
  const lines = await captured((io) => printEvents({ manager: url, until: 'now' }, io));
  assert.deepEqual(lines, {
    out: '10:00:00.123  task.started       web-1 (4c372f78) on w1: running\n' + '10:00:01.000  node.ready         w2\n',
    err: '',
    code: undefined,
  });
  assert.match(asked[0] ?? '', /^\/events\?until=/);
  const json = await captured((io) => printEvents({ manager: url, until: 'now', json: true, type: ['node'] }, io));
  assert.equal(json.out, `${JSON.stringify(READY)}\n`);
});
