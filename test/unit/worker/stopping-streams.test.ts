import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { asStdout } from '../../../src/driver/docker/exec-io.js';
import type { Driver, ExecRun } from '../../../src/driver/index.js';
import type { SpecLimits } from '../../../src/task/index.js';
import { workerRoutes } from '../../../src/worker/routes.js';
import { WORKER_COPY_STOPPED, WORKER_EXEC_STOPPED, WORKER_LOGS_STOPPED } from '../../../src/worker/stopped-streams.js';
import type { Worker } from '../../../src/worker/worker.js';
import { assertQuiet, assertStoppedFirst, call, serverWithLevels } from '../../../testkit/stopping-server.js';

// A worker's streams when it stops (SIGTERM): a container's followed output ends whole, an exec's
// output ends with a line saying so (the manager passes it on as the exec's end), a copy's archive
// is cut off (ended early it would read as whole); one the engine has not answered yet is a 503
// server_stopping saying so. Never a reset, an 'internal error', or an error in the worker's log.

const TASK = {
  id: 't1000000-0000-4000-8000-000000000000',
  name: 'web',
  state: 'Running',
  containerId: 'ctr-1',
};

/** An engine that answers each stream with its first piece and holds it (or, `quiet`, does not answer), until its signal aborts. */
function engine(quiet: boolean, arrive: () => void): Driver {
  const held = <T>(signal: AbortSignal, answer: () => T): Promise<T> =>
    new Promise((resolve, reject) => {
      arrive();
      if (quiet) signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      else resolve(answer());
    });
  const stream = (signal: AbortSignal, first: string | Buffer): Promise<PassThrough> =>
    held(signal, () => {
      const s = new PassThrough();
      s.write(first);
      signal.addEventListener('abort', () => s.destroy(), { once: true });
      return s;
    });
  return {
    logs: async (_id: string, o: { signal: AbortSignal }) => asStdout(await stream(o.signal, 'line one\n')),
    getArchive: (_id: string, _path: string, signal: AbortSignal) => stream(signal, Buffer.alloc(512, 'a')),
    execStream: (_id: string, _command: string[], signal: AbortSignal): Promise<ExecRun> =>
      held(signal, () => ({
        output: (async function* () {
          yield { stream: 'stdout' as const, data: Buffer.from('hi\n') };
          // the command runs on; the engine's stream ends when the worker lets go of it
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          throw signal.reason;
        })(),
        exitCode: async () => 0,
      })),
  } as unknown as Driver;
}

/** A worker's routes over `engine`; its URL, close, the levels it logged, and the streams that reached the engine. */
async function worker(t: TestContext, quiet: boolean) {
  const { app, levels } = serverWithLevels();
  let reached = 0;
  let all!: () => void;
  const arrived = new Promise<void>((resolve) => (all = resolve));
  const held = { get: () => TASK } as unknown as Worker;
  const driver = engine(quiet, () => {
    if (++reached === 3) all();
  });
  await app.register(workerRoutes, {
    worker: held,
    driver,
    limits: {} as SpecLimits,
    readHost: () => Promise.reject(new Error('not read here')),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => (closed ??= app.close());
  t.after(close);
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/tasks/${TASK.id}`;
  return { url, close, levels, arrived };
}

function streams(url: string) {
  return {
    logs: call(`${url}/logs?follow=true`),
    exec: call(`${url}/exec`, 'POST', { command: ['sh'] }),
    archive: call(`${url}/archive?path=%2Fbig`),
  };
}

test('a stopping worker ends logs -f whole, ends an exec with its last line, cuts off an archive; logs no error', async (t) => {
  const w = await worker(t, false);
  const s = streams(w.url);
  for (const one of Object.values(s)) {
    assert.equal(await one.head, 200);
    await one.first;
  }
  await w.close();
  assert.equal(await s.logs.body, 'line one\n');
  assert.equal(
    await s.exec.body,
    `${JSON.stringify({ stdout: 'hi\n' })}\n${JSON.stringify({ error: WORKER_EXEC_STOPPED })}\n`,
  );
  await assert.rejects(s.archive.body, { code: 'ECONNRESET' });
  assertQuiet(w.levels);
});

test('a stopping worker answers streams the engine has not answered yet 503 server_stopping, saying which', async (t) => {
  const w = await worker(t, true);
  const s = streams(w.url);
  await w.arrived; // each waits on the engine: the worker's close ends them
  await w.close();
  for (const [one, message] of [
    [s.logs, WORKER_LOGS_STOPPED],
    [s.exec, WORKER_EXEC_STOPPED],
    [s.archive, WORKER_COPY_STOPPED],
  ] as const)
    await assertStoppedFirst(one, message);
  assertQuiet(w.levels);
});
