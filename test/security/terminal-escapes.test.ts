import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { runPoseidon } from '../../testkit/spawner.js';
import { managerTaskView } from '../helpers/manager-task-view.js';

// Whatever reaches the CLI from outside (a task or node name stored before names were DNS
// labels, an image, a worker's reason, an error message a server wrote) is printed with its
// control characters escaped: a name that clears the screen or retitles the window, or a bidi
// override that makes it read as another, reaches the terminal as text. Here a manager (a stand-in
// answering as a hostile or older one could) serves such strings to the real `poseidon`.

const ESC = '\u001b';
const HOSTILE = {
  name: `web${ESC}[2J${ESC}]0;pwned\u0007`,
  image: `busybox\u009b31m`,
  reason: `exited with code 1${ESC}[1A${ESC}[2K\u202eevil`,
  node: `w1${ESC}[8m`,
};
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const ID = '21b23589-5d2d-4731-b5c9-a97e9832d021';

const taskView = managerTaskView({
  id: ID,
  name: HOSTILE.name,
  image: HOSTILE.image,
  command: ['sleep', `1${ESC}[2J`],
  state: 'Failed',
  node: HOSTILE.node,
  nodeId: 'n1',
  containerId: null,
  exitCode: 1,
  reason: HOSTILE.reason,
  health: { status: 'unhealthy', failures: 3, lastOutput: `${ESC}[31mred`, lastCheckedAt: null },
  submittedAt: '2026-01-01T00:00:00.000Z',
  startedAt: null,
  updatedAt: '2026-01-01T00:00:00.000Z',
});
const nodeView = {
  id: 'n1',
  name: HOSTILE.node,
  url: `http://127.0.0.1:9/${ESC}[2J`,
  state: 'Up',
  lastHeartbeat: null,
  capacity: { cpuCores: 2, memoryBytes: 2 ** 30, diskBytes: 2 ** 30 },
  allocated: { cpuCores: 0, memoryBytes: 0, diskBytes: 0 },
  free: { cpuCores: 2, memoryBytes: 2 ** 30, diskBytes: 2 ** 30 },
  taskCount: 1,
  load1: 0,
  cpuUsage: 0,
  memoryAvailableBytes: 2 ** 30,
};

describe('the CLI prints what comes from outside with its control characters escaped', () => {
  let server: Server;
  let url: string;
  before(async () => {
    server = createServer((req, res) => {
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      // whole tasks whatever the query asks (status asks ?fields=): a hostile manager answers as it likes
      if (req.url?.split('?')[0] === '/tasks') json(200, [taskView]);
      else if (req.url === `/tasks/${ID}`) json(200, taskView);
      else if (req.url === '/nodes') json(200, [nodeView]);
      else if (req.url?.split('?')[0] === '/events') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        // one line as JSON.stringify writes it (C0 escaped, C1 and bidi raw), one with a raw escape
        res.write(
          `${JSON.stringify({ time: taskView.updatedAt, type: 'task.exited', taskId: ID, taskName: HOSTILE.name, node: HOSTILE.node, reason: HOSTILE.reason })}\n`,
        );
        res.end(`{"time":"${taskView.updatedAt}","type":"node.down","node":"w1${ESC}[2J","reason":"x\u009b"}\n`);
      } else json(404, { error: { code: 'task_not_found', message: `no task matches "${HOSTILE.name}"` } });
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const COMMANDS: ReadonlyArray<readonly string[]> = [
    ['status'],
    ['status', ID],
    ['status', '--json'],
    ['status', ID, '--json'],
    ['node'],
    ['node', '--json'],
    // the kept events, then exit (a stream that ends before --until is asked for again)
    ['events', '--until', 'now'],
    ['events', '--json', '--until', 'now'],
    ['status', 'nope'],
  ];
  for (const args of COMMANDS) {
    test(`poseidon ${args.join(' ')} prints no control character it was sent`, async () => {
      const { code, stdout, stderr } = await runPoseidon([...args, '--manager', url]);
      const out = stdout + stderr;
      assert.doesNotMatch(out, UNSAFE, JSON.stringify(out));
      if (args.includes('nope')) {
        assert.equal(code, 1);
        assert.match(stderr, /^poseidon: no task matches "web\\x1b\[2J\\x1b\]0;pwned\\x07"\n$/);
      } else {
        assert.equal(code, 0, stderr);
      }
      if (args.includes('--json') && args[0] !== 'events') JSON.parse(stdout); // still JSON
    });
  }

  test('the escaped name is still there to read', async () => {
    const { stdout } = await runPoseidon(['status', '--manager', url]);
    assert.ok(stdout.includes('web\\x1b[2J\\x1b]0;pwned\\x07'), stdout);
    assert.ok(stdout.includes('\\u202eevil'), stdout);
  });
});
