import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { RemoteError } from '../../src/errors/index.js';
import { removeByLabel } from '../../testkit/cleanup.js';
import { asManager } from '../../testkit/manager-access.js';
import { tlsFetch } from '../../testkit/tls-fetch.js';
import { containerExists, containersWithLabel, finishedAt, isRunning, TEST_IMAGE } from './helpers/docker.js';
import { waitFor } from './helpers/wait-for.js';
import { TestWorker } from './helpers/worker.js';

const w = new TestWorker();

async function post(
  body: string,
  contentType = 'application/json',
): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const res = await tlsFetch(`${w.proc.url}/tasks`, {
    method: 'POST',
    body,
    headers: { 'content-type': contentType },
    tls: asManager(w.manager),
  });
  return { status: res.status, body: res.json() as { error?: { code: string; message: string } } };
}

describe('worker against the real Docker engine', () => {
  before(() => w.start());
  after(() => w.close());

  test('a sleep task becomes Running with a container id, and DELETE leaves it Completed with the container gone', async () => {
    const created = await w.client.startTask(w.spec('sleeper', { command: ['sleep', '300'] }));
    const running = await w.taskIn(created.id, 'Running');
    assert.match(running.containerId ?? '', /^[0-9a-f]{64}$/);
    assert.equal(await isRunning(running.containerId ?? ''), true);
    assert.ok(running.startedAt !== null);

    const stopped = await w.client.stopTask(created.id);
    assert.equal(stopped.state, 'Completed');
    assert.equal(stopped.reason, 'stopped on request');
    assert.equal(await containerExists(running.containerId ?? ''), false);
    assert.equal((await w.client.getTask(created.id)).state, 'Completed');
  });

  test('a task whose command exits 1 becomes Failed with exit code 1, from the event stream', async (t) => {
    const created = await w.client.startTask(w.spec('fails', { command: ['sh', '-c', 'sleep 1; exit 1'] }), {
      waitMs: 0,
    });
    const failed = await w.taskIn(created.id, 'Failed', 'Completed');
    assert.equal(failed.state, 'Failed');
    assert.equal(failed.exitCode, 1);
    assert.equal(failed.reason, 'exited with code 1');
    // the finish time is the engine's: its die event's time, logged a few ms after the
    // container's FinishedAt (not when the worker got round to it)
    const dockerFinished = new Date(await finishedAt(failed.containerId ?? '')).getTime();
    const reported = new Date(failed.finishedAt ?? 0).getTime();
    assert.ok(
      reported >= dockerFinished && reported - dockerFinished < 2_000,
      `finishedAt ${failed.finishedAt} vs Docker's ${new Date(dockerFinished).toISOString()}`,
    );
    t.diagnostic(
      `state recorded ${new Date(failed.updatedAt).getTime() - dockerFinished} ms after the container exited`,
    );
  });

  test('a task with a port runs busybox httpd and answers HTTP on the reported host port', async () => {
    const created = await w.client.startTask(
      w.spec('web', { command: ['httpd', '-f', '-p', '80', '-h', '/www'], ports: [{ container: 80 }] }),
    );
    const running = await w.taskIn(created.id, 'Running');
    const port = running.ports[0];
    assert.ok(port !== undefined && port.host > 0, `a host port is reported: ${JSON.stringify(running.ports)}`);
    const body = await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${port.host}/`);
      return res.ok ? res.text() : undefined;
    });
    assert.match(body, /hello from poseidon/);
    await w.client.stopTask(created.id);
  });

  test('an unknown image fails the task with a reason that names the image', async () => {
    const created = await w.client.startTask(w.spec('ghost', { image: `poseidon/does-not-exist-${w.runId}:latest` }));
    const failed = await w.taskIn(created.id, 'Failed');
    assert.match(failed.reason, /image poseidon\/does-not-exist-.*:latest is not on this host and could not be pulled/);
    assert.equal(failed.containerId, null);
  });

  test('invalid bodies get 400 (413 when too large) naming the field, and start nothing', async () => {
    const before = (await containersWithLabel('poseidon.worker', w.name)).length;
    const tasksBefore = (await w.client.listTasks()).length;
    const cases: Array<[string, number, RegExp]> = [
      ['not json', 400, /not valid JSON/],
      [JSON.stringify({ name: 'x', image: TEST_IMAGE, memroy: 5 }), 400, /memroy is not a known field/],
      [JSON.stringify({ name: 'x', image: TEST_IMAGE, cpu: 0 }), 400, /^cpu /],
      [JSON.stringify({ name: 'x', image: TEST_IMAGE, cpu: 4096 }), 400, /^cpu is 4096 cores/],
      [JSON.stringify({ name: 'x', image: TEST_IMAGE, cpu: -1 }), 400, /^cpu /],
      [JSON.stringify({ name: 'x', image: TEST_IMAGE, memory: '1Mi' }), 400, /^memory is 1 MiB/],
      [JSON.stringify({ name: 'x', image: TEST_IMAGE, memory: 'lots' }), 400, /^memory /],
      [JSON.stringify({ name: 'x', image: TEST_IMAGE, ports: [{ container: 70000 }] }), 400, /^ports\[0\]\.container /],
      [
        JSON.stringify({ name: 'x', image: TEST_IMAGE, ports: [{ container: 80, host: 0.5 }] }),
        400,
        /^ports\[0\]\.host /,
      ],
      [JSON.stringify({ name: 'x', image: 'Not A/Valid:Image Ref' }), 400, /^image /],
      [JSON.stringify({ name: 'x', image: TEST_IMAGE, command: 'sleep 5' }), 400, /^command /],
      [
        JSON.stringify({
          ID: '6be4cb6b-61d1-40cb-bc7b-9cacefefa60c',
          State: 7,
          Task: { Name: 'x', Image: TEST_IMAGE },
        }),
        400,
        /^State is 7/,
      ],
      [JSON.stringify({ State: 2, Task: { Name: 'x', Image: TEST_IMAGE, State: 12 } }), 400, /^Task\.State is 12/],
      [JSON.stringify([1, 2]), 400, /body/],
      [`{"name":"x","image":"${TEST_IMAGE}","command":["${'a'.repeat(1_100_000)}"]}`, 413, /larger than 1 MiB/],
    ];
    for (const [body, status, message] of cases) {
      const res = await post(body);
      assert.equal(res.status, status, `status for ${body.slice(0, 80)}`);
      assert.match(res.body.error?.message ?? '', message, `message for ${body.slice(0, 80)}`);
      assert.ok(res.body.error?.code, 'error has a code');
    }
    assert.equal((await containersWithLabel('poseidon.worker', w.name)).length, before, 'no container was created');
    assert.equal((await w.client.listTasks()).length, tasksBefore, 'no task was recorded');
  });

  test('the seed TaskEvent format is accepted and translated', async () => {
    const seed = {
      ID: '6be4cb6b-61d1-40cb-bc7b-9cacefefa60c',
      State: 2,
      Task: { State: 1, ID: '21b23589-5d2d-4731-b5c9-a97e9832d021', Name: 'test-chapter-5', Image: TEST_IMAGE },
    };
    const res = await post(JSON.stringify(seed));
    assert.equal(res.status, 201);
    const task = await w.taskIn('21b23589-5d2d-4731-b5c9-a97e9832d021', 'Running', 'Completed', 'Failed');
    assert.equal(task.name, 'test-chapter-5');
    assert.equal(task.image, TEST_IMAGE);
    await w.client.stopTask(task.id);
    await removeByLabel(new Docker(), `poseidon.task-id=${task.id}`);
  });

  test('starting the same task id twice is idempotent: one container', async () => {
    const body = w.spec('twice', { id: 'b3c9a1e2-0000-4000-8000-00000000beef', command: ['sleep', '300'] });
    const [a, b] = await Promise.all([w.client.startTask(body), w.client.startTask(body)]);
    assert.equal(a.id, b.id);
    const running = await w.taskIn(a.id, 'Running');
    const again = await w.client.startTask(body);
    assert.equal(again.containerId, running.containerId);
    assert.equal((await containersWithLabel('poseidon.task-id', a.id)).length, 1);
    await w.client.stopTask(a.id);
  });

  test('logs and stats report on a running task', async () => {
    const created = await w.client.startTask(
      w.spec('talker', { command: ['sh', '-c', 'echo hello-from-task; sleep 300'] }),
    );
    await w.taskIn(created.id, 'Running');
    const logs = await waitFor(async () => {
      const text = (await tlsFetch(`${w.proc.url}/tasks/${created.id}/logs`, { tls: asManager(w.manager) })).text();
      return text.includes('hello-from-task') ? text : undefined;
    });
    assert.match(logs, /hello-from-task/);
    const stats = await w.client.stats();
    assert.ok(stats.host.cpuCores >= 1);
    assert.ok(stats.host.memory.totalBytes > 0);
    assert.ok(stats.tasks.some((u) => u.id === created.id && u.memoryBytes > 0));
    const metrics = (await tlsFetch(`${w.proc.url}/metrics`, { tls: asManager(w.manager) })).text();
    assert.match(metrics, /poseidon_worker_tasks\{state="Running"\} [1-9]/);
    // open to anyone: no client certificate
    assert.deepEqual((await tlsFetch(`${w.proc.url}/healthz`, { tls: { ca: w.manager.caPem } })).json(), {
      status: 'ok',
    });
    await w.client.stopTask(created.id);
  });

  test('unknown ids get 404 with the error shape', async () => {
    await assert.rejects(
      w.client.getTask('5f0e4c1c-0000-4000-8000-000000000000'),
      (err: unknown) => err instanceof RemoteError && err.status === 404 && err.code === 'task_not_found',
    );
    await assert.rejects(
      w.client.stopTask('5f0e4c1c-0000-4000-8000-000000000000'),
      (err: unknown) => err instanceof RemoteError && err.status === 404,
    );
  });

  test('a worker killed with SIGKILL and restarted adopts its running container', async () => {
    const created = await w.client.startTask(w.spec('survivor', { command: ['sleep', '300'] }));
    const running = await w.taskIn(created.id, 'Running');
    await w.proc.kill();
    await w.start();
    const after = await w.client.getTask(created.id);
    assert.equal(after.state, 'Running');
    assert.equal(after.containerId, running.containerId);
    assert.deepEqual(await containersWithLabel('poseidon.task-id', created.id), [running.containerId]);
    await w.client.stopTask(created.id);
  });
});
