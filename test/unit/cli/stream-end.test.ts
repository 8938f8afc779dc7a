import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ManagerTaskView } from '../../../src/api/index.js';
import { openExec } from '../../../src/cli/exec-action.js';
import { runCp } from '../../../src/cli/cp-action.js';
import { follow, LOGS_STOPPED, resumed, streamEndedEarly, type LogSink } from '../../../src/cli/logs-action.js';
import type { Patience } from '../../../src/cli/stream-again.js';
import { StreamEnded, streamError } from '../../../src/cli/stream-end.js';
import { ManagerClient } from '../../../src/client/index.js';
import { serve } from '../../helpers/fake-manager.js';

// `logs -f` and `exec` when the manager stops (SIGTERM) or the connection breaks mid-stream: one
// line saying so (a PoseidonError, printed without a stack), never Node's `Error: aborted`; for
// `logs -f`, once asking again for a second (PATIENCE's minute, shortened) showed nothing new.

/** A fake manager answering with `handle`; its client. */
async function manager(
  t: TestContext,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<ManagerClient> {
  return new ManagerClient((await serve(t, handle)).url);
}

/** Writes `text` as the start of a 200 answer, then resets the connection mid-answer. */
function cutOff(res: ServerResponse, type: string, text: string): void {
  res.writeHead(200, { 'content-type': type });
  res.write(text, () => res.socket?.destroy());
}

const TASK = {
  id: 't1000000-0000-4000-8000-000000000000',
  name: 'web',
  state: 'Running',
  desiredState: 'running',
  containerId: 'ctr-1',
  restarts: 0,
  restartAt: null,
} as unknown as ManagerTaskView;

/** A line as the engine gives it with its time (follow asks for the times, and takes them off again). */
const HELLO = '2026-12-07T01:00:00.000000001Z hello\n';

/** Asked again for a second, not a minute. */
const SECOND: Patience = { windowMs: 1_000, pauseMs: 10, maxPauseMs: 50 };
const GAVE_UP = 'no manager served it again within 1 s; run poseidon logs -f again';

function sink(): LogSink & { out: string; notes: string[] } {
  const s = {
    out: '',
    notes: [] as string[],
    write: (c: Buffer) => void (s.out += c.toString('utf8')),
    note: (line: string) => void s.notes.push(line),
  };
  return s;
}

/** Lines `from` to `to`, each at its own nanosecond of one second, as the engine gives them with times. */
function numbered(from: number, to: number, timed = true): string {
  let text = '';
  for (let n = from; n <= to; n++)
    text += `${timed ? `2026-12-07T01:00:00.${String(n).padStart(9, '0')}Z ` : ''}line ${n}\n`;
  return text;
}

/** The second those lines are in, as `since` asks for it. */
const SINCE = Date.parse('2026-12-07T01:00:00Z') / 1000;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', ...(status === 503 ? { connection: 'close' } : {}) });
  res.end(JSON.stringify(body));
}

const STOPPING = { error: { code: 'server_stopping', message: 'the server is stopping; try again once it is back' } };
const ENDED = { ...TASK, state: 'Completed', desiredState: 'stopped' };

test('logs -f cut off mid-way follows again through the next manager, from the last line shown, none twice', async (t) => {
  const asked: string[] = [];
  // the first manager gives three lines, then its connection breaks and it is gone
  const first = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write(numbered(1, 3), () => {
      res.socket?.destroy();
      first.server.close();
    });
  });
  // the second takes over: the engine gives again what came from the last line's second on
  const second = await serve(t, (req, res) => {
    if (req.url?.includes('/logs') === true) {
      asked.push(new URL(req.url, 'http://here').search);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(numbered(2, 5));
      return;
    }
    json(res, 200, asked.length === 0 ? TASK : ENDED);
  });
  const got = sink();
  const client = new ManagerClient(`${first.url},${second.url}`);
  await follow(client, TASK, {}, new AbortController().signal, got, undefined, SECOND);
  assert.equal(got.out, numbered(1, 5, false), 'each line once, without the times it was not asked for');
  assert.deepEqual(asked, [`?follow=true&since=${SINCE}&timestamps=true`]);
  assert.deepEqual(got.notes, [resumed(TASK.id, second.url)]);
  assert.equal(
    resumed(TASK.id, second.url),
    'the log stream of task t1000000 was cut (a manager stopped, or the leader changed); ' +
      `following again from the last line shown, through ${second.url}`,
  );
});

test('logs -f whose manager stopped and came back at the same address follows again, none twice, -t kept', async (t) => {
  const asked: string[] = [];
  let stopping = 0;
  const client = await manager(t, (req, res) => {
    if (req.url?.includes('/logs') === true) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      if (stopping === 0 && asked.length === 0) {
        // ended whole as the manager stops; asked after the task, it is stopping, twice
        stopping = 2;
        asked.push('first');
        res.end(numbered(1, 2));
        return;
      }
      asked.push(new URL(req.url, 'http://here').search);
      res.end(numbered(2, 4));
      return;
    }
    if (stopping > 0) {
      stopping -= 1;
      json(res, 503, STOPPING);
    } else json(res, 200, asked.length === 1 ? TASK : ENDED);
  });
  const got = sink();
  await follow(client, TASK, { timestamps: true }, new AbortController().signal, got, undefined, SECOND);
  assert.equal(got.out, numbered(1, 4));
  assert.deepEqual(asked, ['first', `?follow=true&since=${SINCE}&timestamps=true`]);
  assert.deepEqual(got.notes, [resumed(TASK.id, client.baseUrl)]);
});

test('logs -f whose connection keeps breaking mid-stream fails with one line, not a reset error', async (t) => {
  const client = await manager(t, (_req, res) => cutOff(res, 'text/plain', HELLO));
  const got = sink();
  await assert.rejects(
    follow(client, TASK, {}, new AbortController().signal, got, undefined, SECOND),
    (err: unknown) => {
      assert.ok(err instanceof StreamEnded, String(err));
      assert.equal(
        err.message,
        `the connection to the manager broke during the log stream (it stopped, or the network failed); ${GAVE_UP}`,
      );
      return true;
    },
  );
  assert.equal(got.out, 'hello\n');
});

test('logs -f whose stream the manager ended as it stopped, and that does not come back, says so', async (t) => {
  const client = await manager(t, (req, res) => {
    if (req.url?.includes('/logs') === true) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(HELLO);
      return;
    }
    // asked about the task after the stream ended: the manager is stopping
    res.writeHead(503, { 'content-type': 'application/json', connection: 'close' });
    res.end(
      JSON.stringify({
        error: { code: 'server_stopping', message: 'the server is stopping; try again once it is back' },
      }),
    );
  });
  const got = sink();
  await assert.rejects(follow(client, TASK, {}, new AbortController().signal, got, undefined, SECOND), {
    name: 'StreamEnded',
    message: `${LOGS_STOPPED}; ${GAVE_UP}`,
  });
  assert.equal(LOGS_STOPPED, 'the manager ended the log stream (it is stopping)');
  assert.equal(got.out, 'hello\n');
});

test('exec whose connection breaks mid-output is one line: the command may still run', async (t) => {
  const client = await manager(t, (req, res) => {
    req.resume();
    req.on('end', () => cutOff(res, 'application/x-ndjson', `${JSON.stringify({ stdout: 'aGkK' })}\n`));
  });
  const { lines } = await openExec(
    client,
    'web',
    { command: ['sleep', '30'], encoding: 'base64' },
    new AbortController().signal,
  );
  const seen: unknown[] = [];
  const err = await (async () => {
    try {
      for await (const line of lines) seen.push(line);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.deepEqual(seen, [{ stdout: 'aGkK' }]);
  const said = streamError(err, "the exec's output", 'the command may still run in the container');
  assert.ok(said instanceof StreamEnded, String(err));
  assert.equal(
    said.message,
    "the connection to the manager broke during the exec's output (it stopped, or the network failed); " +
      'the command may still run in the container',
  );
  // anything else is passed on as it is
  const other = new Error('a bug');
  assert.equal(streamError(other, 'the log stream', ''), other);
});

test('logs -f whose stream keeps ending while its container runs on (its worker stopped) says so, not waiting in silence', async (t) => {
  const client = await manager(t, (req, res) => {
    res.writeHead(200, { 'content-type': req.url?.includes('/logs') === true ? 'text/plain' : 'application/json' });
    // the worker ended the stream whole as it stopped; the task still runs that container
    res.end(req.url?.includes('/logs') === true ? HELLO : JSON.stringify(TASK));
  });
  const got = sink();
  await assert.rejects(follow(client, TASK, {}, new AbortController().signal, got, undefined, SECOND), {
    name: 'StreamEnded',
    message: `${streamEndedEarly(TASK.id)}; ${GAVE_UP}`,
  });
  assert.equal(
    streamEndedEarly(TASK.id),
    'the log stream of task t1000000 ended while its container runs on (its worker stopped?)',
  );
  assert.equal(got.out, 'hello\n');
});

test('logs -f whose container ended with its stream ends quietly', async (t) => {
  const ended = { ...TASK, state: 'Completed', desiredState: 'stopped' };
  const client = await manager(t, (req, res) => {
    res.writeHead(200, { 'content-type': req.url?.includes('/logs') === true ? 'text/plain' : 'application/json' });
    res.end(req.url?.includes('/logs') === true ? 'bye\n' : JSON.stringify(ended));
  });
  const got = sink();
  await follow(client, TASK, {}, new AbortController().signal, got);
  assert.equal(got.out, 'bye\n');
});

test('cp out whose archive is cut off (the manager or the worker stopped) is one line, and leaves no scratch files', async (t) => {
  const here = await mkdtemp(join(tmpdir(), 'poseidon-cp-cut-'));
  t.after(() => rm(here, { recursive: true, force: true }));
  const client = await manager(t, (req, res) => {
    if (req.url?.includes('/archive/stat') === true) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name: 'big', kind: 'file', size: 4096, mode: 0o644, mtime: new Date().toISOString() }));
      return;
    }
    cutOff(res, 'application/x-tar', 'x'.repeat(600)); // a header's worth, then the connection is reset
  });
  const err = await runCp('web:/big', join(here, 'big'), { manager: client.baseUrl }).catch((e: unknown) => e);
  assert.ok(err instanceof StreamEnded, String(err));
  assert.equal(
    err.message,
    'the connection to the manager broke during the copy (it stopped, or the network failed); run poseidon cp again',
  );
  assert.deepEqual(await readdir(here), [], 'nothing half copied is left');
});

test('logs -f whose first manager is down from the start reads through the next, and says no cut', async (t) => {
  const down = await serve(t, () => undefined);
  down.server.close();
  const up = await manager(t, (req, res) => {
    if (req.url?.includes('/logs') !== true) return json(res, 200, ENDED);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(numbered(1, 2)); // the container ended
  });
  const got = sink();
  const client = new ManagerClient(`${down.url},${up.baseUrl}`);
  await follow(client, TASK, {}, new AbortController().signal, got, undefined, SECOND);
  assert.equal(got.out, numbered(1, 2, false));
  assert.deepEqual(got.notes, [], 'nothing was cut');
});
