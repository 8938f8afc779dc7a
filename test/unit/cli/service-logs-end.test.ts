import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { POSEIDON_BIN } from '../../../testkit/spawner.js';

// `poseidon service logs [-f] web` against a fake manager with two replicas, whose streams end
// early: the manager stops, or one replica's connection breaks while the other's is fine. With -f
// the CLI (a real process) follows each replica again from its last line once the manager is back,
// none shown twice; without, it ends with one line saying what happened and what to do, exit
// status 1. It used to leave a replica's failure unhandled, and Node printed it with its stack.

const replica = (n: number): Record<string, unknown> => ({
  id: `${n}0000000-0000-4000-8000-000000000000`,
  name: `web-${n}`,
  node: 'w1',
  nodeId: 'n1',
  state: 'Running',
  desiredState: 'running',
  containerId: `ctr-${n}`,
  restarts: 0,
  restartAt: null,
  service: 'web',
  slot: n,
  version: 1,
});

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', ...(status === 503 ? { connection: 'close' } : {}) });
  res.end(JSON.stringify(body));
}

/** When each replica wrote its first line, as the engine gives it with times. */
const STAMP = '2026-12-07T01:00:00.000000001Z';

const REMOVED = { error: { code: 'service_not_found', message: 'no service named web' } };
const STOPPING = { error: { code: 'server_stopping', message: 'the server is stopping; try again once it is back' } };

/**
 * Answers the service's replicas (each look as `looks` says) and their output;
 * `logs` goes on with each replica's log stream once its first line is written (`n`: the
 * replica), `other` answers everything else (by default: the manager is stopping).
 */
async function fakeManager(
  t: TestContext,
  handlers: {
    logs(n: number, res: ServerResponse): void;
    other?(req: IncomingMessage, res: ServerResponse): void;
    /** How a look at the service's replicas is answered: served (by default), refused (stopping), or removed. */
    looks?(): 'served' | 'refused' | 'removed';
  },
): Promise<string> {
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    if (url.startsWith('/services/web/tasks')) {
      const look = handlers.looks?.() ?? 'served';
      if (look === 'refused') return json(res, 503, STOPPING);
      if (look === 'removed') return json(res, 404, REMOVED);
      return json(res, 200, [replica(1), replica(2)]);
    }
    const logs = /^\/tasks\/(\d)0+-[^/]*\/logs/.exec(url);
    if (logs !== null) {
      // with the engine's time when asked for it (-f asks, and takes it off again)
      const time = url.includes('timestamps=true') ? `${STAMP} ` : '';
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(`${time}hello from ${logs[1]}\n`, () => handlers.logs(Number(logs[1]), res));
      return;
    }
    if (handlers.other !== undefined) return handlers.other(req, res);
    return json(res, 503, STOPPING);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** `poseidon service logs ARGS --manager URL` to its end: its status and output. */
async function serviceLogs(
  t: TestContext,
  url: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const home = await mkdtemp(join(tmpdir(), 'poseidon-service-logs-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: home };
  for (const name of ['POSEIDON_MANAGER', 'POSEIDON_TOKEN', 'POSEIDON_CA']) delete env[name];
  const child = spawn(process.execPath, [POSEIDON_BIN, 'service', 'logs', 'web', ...args, '--manager', url], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  return { code, stdout, stderr };
}

function sortedLines(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .sort();
}

const BOTH = ['web-1.10000000@w1 | hello from 1', 'web-2.20000000@w1 | hello from 2'];

test("service logs -f: the manager stopping, one replica's stream broken, each is followed again once it is back", async (t) => {
  // once both streams have begun, replica 1's connection breaks and replica 2's ends whole as the
  // manager stops; it refuses the next three calls, then serves again: each replica's stream is
  // asked for again and gives its first line again and a new one; then the service is removed
  const open = new Map<number, ServerResponse>();
  let refusals = 0;
  const resumed = new Set<number>();
  const url = await fakeManager(t, {
    logs: (n, res) => {
      if (refusals === 0 && resumed.size === 0 && open.size < 2) {
        open.set(n, res);
        if (open.size < 2) return;
        refusals = 3;
        open.get(1)?.socket?.destroy();
        open.get(2)?.end();
        return;
      }
      res.write(`${STAMP.replace('01Z', '02Z')} again from ${n}\n`, () => resumed.add(n));
    },
    other: (req, res) => {
      if (refusals > 0) {
        refusals -= 1;
        return json(res, 503, STOPPING);
      }
      const task = /^\/tasks\/(\d)0+-[^/?]*$/.exec(req.url ?? '');
      if (task !== null) return json(res, 200, replica(Number(task[1])));
      return json(res, 503, STOPPING); // the event stream: looks every 2 s instead
    },
    looks: () => (resumed.size === 2 ? 'removed' : refusals > 0 ? 'refused' : 'served'),
  });
  const r = await serviceLogs(t, url, ['-f']);
  assert.deepEqual(sortedLines(r.stdout), [
    'web-1.10000000@w1 | again from 1',
    'web-1.10000000@w1 | hello from 1',
    'web-2.20000000@w1 | again from 2',
    'web-2.20000000@w1 | hello from 2',
  ]);
  const notes = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(notes.length, 3, r.stderr);
  for (const n of [1, 2])
    assert.ok(
      notes.includes(
        `web-${n}.${n}0000000@w1 | poseidon: the log stream of task ${n}0000000 was cut (a manager stopped, ` +
          `or the leader changed); following again from the last line shown, through ${url}`,
      ),
      r.stderr,
    );
  assert.ok(notes.includes('poseidon: service web was removed'), r.stderr);
  assert.equal(r.code, 0);
});

test('service logs -f: a look for new replicas the manager refuses is made again; the command goes on', async (t) => {
  let looks = 0;
  const url = await fakeManager(t, {
    logs: () => undefined, // both streams stay open
    looks: () => {
      looks += 1;
      return looks === 1 ? 'served' : looks === 2 ? 'refused' : 'removed';
    },
    other: (req, res) => {
      if (req.url !== '/events') return json(res, 503, STOPPING);
      // a replica started: the command looks for new replicas at once, and the manager refuses
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify({ type: 'task.started', service: 'web' })}\n`);
    },
  });
  const r = await serviceLogs(t, url, ['-f']);
  assert.equal(r.stderr, 'poseidon: service web was removed\n');
  assert.equal(r.code, 0);
  assert.deepEqual(sortedLines(r.stdout), BOTH);
});

test("service logs: one replica's broken stream is one line, not a stack", async (t) => {
  const url = await fakeManager(t, {
    logs: (n, res) => {
      if (n === 1) res.socket?.destroy();
      else res.end();
    },
  });
  const r = await serviceLogs(t, url, []);
  assert.equal(
    r.stderr,
    'poseidon: the connection to the manager broke during the log stream (it stopped, or the network failed); ' +
      'run poseidon service logs web again\n',
  );
  assert.equal(r.code, 1);
});
