import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ManagerTaskView } from '../../../src/api/index.js';
import { openExec } from '../../../src/cli/exec-action.js';
import { runCp } from '../../../src/cli/cp-action.js';
import { follow, LOGS_STOPPED, streamEndedEarly, type LogSink } from '../../../src/cli/logs-action.js';
import { StreamEnded, streamError } from '../../../src/cli/stream-end.js';
import { ManagerClient } from '../../../src/client/index.js';

// `logs -f` and `exec` when the manager stops (SIGTERM) or the connection breaks mid-stream: one
// line saying so (a PoseidonError, printed without a stack), never Node's `Error: aborted`.

/** A fake manager answering with `handle`; its client. */
async function manager(
  t: TestContext,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<ManagerClient> {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return new ManagerClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
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

function sink(): LogSink & { out: string } {
  const s = { out: '', write: (c: Buffer) => void (s.out += c.toString('utf8')), note: () => undefined };
  return s;
}

test('logs -f whose connection breaks mid-stream fails with one line, not a reset error', async (t) => {
  const client = await manager(t, (_req, res) => cutOff(res, 'text/plain', 'hello\n'));
  const got = sink();
  await assert.rejects(follow(client, TASK, {}, new AbortController().signal, got), (err: unknown) => {
    assert.ok(err instanceof StreamEnded, String(err));
    assert.match(
      err.message,
      /^the connection to the manager broke during the log stream \(it stopped, or the network failed\); run poseidon logs -f again$/,
    );
    return true;
  });
  assert.equal(got.out, 'hello\n');
});

test('logs -f whose stream the manager ended as it stopped says so, as poseidon events does', async (t) => {
  const client = await manager(t, (req, res) => {
    if (req.url?.includes('/logs') === true) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello\n');
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
  await assert.rejects(follow(client, TASK, {}, new AbortController().signal, got), {
    name: 'StreamEnded',
    message: `${LOGS_STOPPED}; run poseidon logs -f again`,
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

test('logs -f whose stream ended while its container runs on (its worker stopped) says so, not waiting in silence', async (t) => {
  const client = await manager(t, (req, res) => {
    res.writeHead(200, { 'content-type': req.url?.includes('/logs') === true ? 'text/plain' : 'application/json' });
    // the worker ended the stream whole as it stopped; the task still runs that container
    res.end(req.url?.includes('/logs') === true ? 'hello\n' : JSON.stringify(TASK));
  });
  const got = sink();
  await assert.rejects(follow(client, TASK, {}, new AbortController().signal, got), {
    name: 'StreamEnded',
    message: `${streamEndedEarly(TASK.id)}; run poseidon logs -f again`,
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
