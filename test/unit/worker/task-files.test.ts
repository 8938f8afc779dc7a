import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { TaskFilesReply } from '../../../src/api/index.js';
import { RemoteError } from '../../../src/errors/index.js';
import { MemoryStore } from '../../../src/store/index.js';
import { parseSubmission } from '../../../src/task/index.js';
import { TaskFiles, TaskFilesUnavailable } from '../../../src/worker/task-files.js';
import { Worker, type WorkerTaskRecord } from '../../../src/worker/index.js';
import { FakeDriver } from '../../../testkit/fake-driver.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const log = pino({ level: 'silent' });
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function setup(reply: TaskFilesReply | Error): Promise<{ files: TaskFiles; root: string; asked: string[] }> {
  const root = join(await mkdtemp(join(tmpdir(), 'poseidon-task-files-')), 'shm');
  dirs.push(root);
  const asked: string[] = [];
  const files = new TaskFiles({
    root,
    log,
    source: async (taskId, generation) => {
      asked.push(`${taskId}.${generation}`);
      if (reply instanceof Error) throw reply;
      return reply;
    },
  });
  return { files, root, asked };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const request = parseSubmission({
  id: '21b23589-5d2d-4731-b5c9-a97e9832d021',
  name: 'app',
  image: 'busybox',
  secrets: [{ source: 'pw' }, { source: 'pw', target: '/etc/pw', mode: '0400' }],
  configs: [{ source: 'conf' }],
});
const reply: TaskFilesReply = {
  files: [
    { kind: 'secret', name: 'pw', data: b64('hunter2') },
    { kind: 'config', name: 'conf', data: b64('a=1\n') },
  ],
};

test('each file is written with its mode under a 0700 directory of its task and generation, and bound at its target', async () => {
  const { files, root, asked } = await setup(reply);
  const binds = await files.prepare(request, 4);
  assert.deepEqual(asked, [`${request.id}.4`]);
  const dir = join(root, `${request.id}.4`);
  assert.deepEqual(binds, [
    { source: join(dir, '0'), target: '/run/secrets/pw' },
    { source: join(dir, '1'), target: '/etc/pw' },
    { source: join(dir, '2'), target: '/conf' },
  ]);
  assert.equal(await readFile(join(dir, '1'), 'utf8'), 'hunter2');
  assert.equal(await readFile(join(dir, '2'), 'utf8'), 'a=1\n');
  assert.equal((await stat(join(dir, '0'))).mode & 0o777, 0o444);
  assert.equal((await stat(join(dir, '1'))).mode & 0o777, 0o400);
  assert.equal((await stat(root)).mode & 0o777, 0o700);
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.deepEqual(
    await files.prepare(parseSubmission({ name: 'plain', image: 'busybox' }), 1),
    [],
    'none: nothing asked',
  );
  assert.equal(asked.length, 1);
});

test('older generations go once a newer one runs; all go with the task; a sweep keeps only tasks held', async () => {
  const { files, root } = await setup(reply);
  await files.prepare(request, 1);
  await files.prepare(request, 2);
  const other = parseSubmission({ name: 'other', image: 'busybox', secrets: [{ source: 'pw' }] });
  await files.prepare(other, 1);
  await files.release(request.id, 2);
  assert.deepEqual((await readdir(root)).sort(), [`${other.id}.1`, `${request.id}.2`].sort());
  await files.sweep(new Set([request.id]));
  assert.deepEqual(await readdir(root), [`${request.id}.2`]);
  await files.release(request.id);
  assert.deepEqual(await readdir(root), []);
});

test("at the worker's stop its directory goes once empty, and stays while a task's files are in it", async () => {
  const { files, root } = await setup(reply);
  await files.close(); // never made: nothing to do
  await files.prepare(request, 1);
  await files.close();
  assert.deepEqual(await readdir(root), [`${request.id}.1`], 'a task that still runs keeps its files');
  await files.release(request.id);
  await files.close();
  await assert.rejects(stat(root), { code: 'ENOENT' });
  await files.prepare(request, 2); // a worker started again makes it again
  assert.equal((await stat(root)).mode & 0o777, 0o700);
});

test('a manager that does not give them, or a worker with none to ask, fails the start with the reason', async () => {
  const { files } = await setup(new Error('cannot reach manager at https://m:1'));
  await assert.rejects(files.prepare(request, 1), (err: unknown) => {
    assert.ok(err instanceof TaskFilesUnavailable);
    assert.match(err.message, /secrets and configs could not be had: cannot reach manager at https:\/\/m:1/);
    return true;
  });
  // a manager away for a moment is asked again; one that refuses is not
  let asks = 0;
  const flaky = new TaskFiles({
    root: join(tmpdir(), `poseidon-task-files-flaky-${process.pid}`),
    log,
    retryPauseMs: 1,
    source: async () => {
      asks++;
      if (asks < 3) throw new RemoteError('no_leader', 503, 'managers are electing a leader');
      return reply;
    },
  });
  dirs.push(join(tmpdir(), `poseidon-task-files-flaky-${process.pid}`));
  assert.equal((await flaky.prepare(request, 1)).length, 3);
  assert.equal(asks, 3);
  const refusing = await setup(new RemoteError('forbidden', 403, 'not placed on it'));
  await assert.rejects(refusing.files.prepare(request, 1), /not placed on it/);
  assert.equal(refusing.asked.length, 1, 'a refusal is not asked again');
  const short = await setup({ files: [reply.files[0]!] });
  await assert.rejects(short.files.prepare(request, 1), /the manager sent no config conf/);
  const alone = new TaskFiles({ root: join(tmpdir(), 'unused'), source: undefined, log });
  await assert.rejects(alone.prepare(request, 1), /no manager to ask/);
});

test("a worker's stop takes its empty directory away, and leaves it while a running task's files are in it", async () => {
  const root = join(await mkdtemp(join(tmpdir(), 'poseidon-task-files-')), 'shm');
  dirs.push(root);
  const worker = async (): Promise<Worker> => {
    const w = new Worker({
      name: 'w1',
      driver: new FakeDriver({ workerName: 'w1' }),
      store: new MemoryStore<WorkerTaskRecord>(),
      clock: new FakeClock(),
      log,
      metrics: new Registry(),
      stopGraceSeconds: 1,
      files: { root, source: async () => reply },
    });
    await w.start();
    return w;
  };
  const running = async (w: Worker): Promise<void> => {
    await w.submit(request, 1, 5_000);
    assert.equal(w.get(request.id).state, 'Running');
  };
  const first = await worker();
  await running(first);
  await first.stop();
  assert.deepEqual(await readdir(root), [`${request.id}.1`], 'the task runs on: its files stay');
  const second = await worker(); // the engine of a worker started again knows nothing of the task
  await second.stop();
  await assert.rejects(stat(root), { code: 'ENOENT' }, 'its start swept them, its stop took the directory');
});
