import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkerClient, type WorkerTaskView } from '../../src/api/index.js';
import { RemoteError } from '../../src/errors/index.js';
import { containerExists, containersWithLabel, finishedAt, isRunning, newRunId, removeByLabel, TEST_IMAGE, TEST_RUN_LABEL } from './helpers/docker.js';
import { startPoseidon, type PoseidonProcess } from './helpers/processes.js';
import { waitFor } from './helpers/wait-for.js';

const runId = newRunId();
const workerName = `w-${runId}`;
const dataDir = mkdtempSync(join(tmpdir(), 'poseidon-worker-test-'));
let proc: PoseidonProcess;
let client: WorkerClient;

function spec(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, image: TEST_IMAGE, labels: { [TEST_RUN_LABEL]: runId }, ...extra };
}

async function startWorker(): Promise<void> {
  proc = await startPoseidon(['worker', '--port', '0', '--name', workerName, '--data-dir', dataDir, '--stop-grace', '5']);
  client = new WorkerClient(proc.url);
}

async function taskIn(id: string, ...states: string[]): Promise<WorkerTaskView> {
  return waitFor(
    async () => {
      const t = await client.getTask(id);
      return states.includes(t.state) ? t : undefined;
    },
    { what: `task ${id} in ${states.join('|')}` },
  );
}

async function post(body: string, contentType = 'application/json'): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const res = await fetch(`${proc.url}/tasks`, { method: 'POST', body, headers: { 'content-type': contentType } });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

describe('worker against the real Docker engine', () => {
  before(startWorker);
  after(async () => {
    await proc?.kill();
    await removeByLabel(TEST_RUN_LABEL, runId);
    await removeByLabel('poseidon.worker', workerName);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a sleep task becomes Running with a container id, and DELETE leaves it Completed with the container gone', async () => {
    const created = await client.startTask(spec('sleeper', { command: ['sleep', '300'] }));
    const running = await taskIn(created.id, 'Running');
    assert.match(running.containerId ?? '', /^[0-9a-f]{64}$/);
    assert.equal(await isRunning(running.containerId ?? ''), true);
    assert.ok(running.startedAt !== null);

    const stopped = await client.stopTask(created.id);
    assert.equal(stopped.state, 'Completed');
    assert.equal(stopped.reason, 'stopped on request');
    assert.equal(await containerExists(running.containerId ?? ''), false);
    assert.equal((await client.getTask(created.id)).state, 'Completed');
  });

  test('a task whose command exits 1 becomes Failed with exit code 1, from the event stream', async (t) => {
    const created = await client.startTask(spec('fails', { command: ['sh', '-c', 'sleep 1; exit 1'] }), { waitMs: 0 });
    const failed = await taskIn(created.id, 'Failed', 'Completed');
    assert.equal(failed.state, 'Failed');
    assert.equal(failed.exitCode, 1);
    assert.equal(failed.reason, 'exited with code 1');
    // the finish time is the engine's: its die event's time, logged a few ms after the
    // container's FinishedAt (not when the worker got round to it)
    const dockerFinished = new Date(await finishedAt(failed.containerId ?? '')).getTime();
    const reported = new Date(failed.finishedAt ?? 0).getTime();
    assert.ok(reported >= dockerFinished && reported - dockerFinished < 2_000, `finishedAt ${failed.finishedAt} vs Docker's ${new Date(dockerFinished).toISOString()}`);
    t.diagnostic(`state recorded ${new Date(failed.updatedAt).getTime() - dockerFinished} ms after the container exited`);
  });

  test('a task with a port runs busybox httpd and answers HTTP on the reported host port', async () => {
    const created = await client.startTask(spec('web', { command: ['httpd', '-f', '-p', '80', '-h', '/www'], ports: [{ container: 80 }] }));
    const running = await taskIn(created.id, 'Running');
    const port = running.ports[0];
    assert.ok(port !== undefined && port.host > 0, `a host port is reported: ${JSON.stringify(running.ports)}`);
    const body = await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${port.host}/`);
      return res.ok ? res.text() : undefined;
    });
    assert.match(body, /hello from poseidon/);
    await client.stopTask(created.id);
  });

  test('an unknown image fails the task with a reason that names the image', async () => {
    const created = await client.startTask(spec('ghost', { image: `poseidon/does-not-exist-${runId}:latest` }));
    const failed = await taskIn(created.id, 'Failed');
    assert.match(failed.reason, /image poseidon\/does-not-exist-.*:latest is not on this host and could not be pulled/);
    assert.equal(failed.containerId, null);
  });

  test('invalid bodies get 400 (413 when too large) naming the field, and start nothing', async () => {
    const before = (await containersWithLabel('poseidon.worker', workerName)).length;
    const tasksBefore = (await client.listTasks()).length;
    const cases: Array<[string, number, RegExp]> = [
      ['not json', 400, /not valid JSON/],
      [JSON.stringify({ name: 'x', image: TEST_IMAGE, memroy: 5 }), 400, /memroy is not a known field/],
      [JSON.stringify({ name: 'x', image: TEST_IMAGE, cpu: 0 }), 400, /^cpu /],
      [JSON.stringify({ name: 'x', image: TEST_IMAGE, cpu: 4096 }), 400, /^cpu is 4096 cores/],
      [JSON.stringify({ name: 'x', image: TEST_IMAGE, cpu: -1 }), 400, /^cpu /],
      [JSON.stringify({ name: 'x', image: TEST_IMAGE, memory: '1Mi' }), 400, /^memory is 1 MiB/],
      [JSON.stringify({ name: 'x', image: TEST_IMAGE, memory: 'lots' }), 400, /^memory /],
      [JSON.stringify({ name: 'x', image: TEST_IMAGE, ports: [{ container: 70000 }] }), 400, /^ports\.0\.container /],
      [JSON.stringify({ name: 'x', image: TEST_IMAGE, ports: [{ container: 80, host: 0.5 }] }), 400, /^ports\.0\.host /],
      [JSON.stringify({ name: 'x', image: 'Not A/Valid:Image Ref' }), 400, /^image /],
      [JSON.stringify({ name: 'x', image: TEST_IMAGE, command: 'sleep 5' }), 400, /^command /],
      [JSON.stringify({ ID: '6be4cb6b-61d1-40cb-bc7b-9cacefefa60c', State: 7, Task: { Name: 'x', Image: TEST_IMAGE } }), 400, /^State is 7/],
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
    assert.equal((await containersWithLabel('poseidon.worker', workerName)).length, before, 'no container was created');
    assert.equal((await client.listTasks()).length, tasksBefore, 'no task was recorded');
  });

  test('the seed TaskEvent format is accepted and translated', async () => {
    const seed = { ID: '6be4cb6b-61d1-40cb-bc7b-9cacefefa60c', State: 2, Task: { State: 1, ID: '21b23589-5d2d-4731-b5c9-a97e9832d021', Name: 'test-chapter-5', Image: TEST_IMAGE } };
    const res = await post(JSON.stringify(seed));
    assert.equal(res.status, 201);
    const task = await taskIn('21b23589-5d2d-4731-b5c9-a97e9832d021', 'Running', 'Completed', 'Failed');
    assert.equal(task.name, 'test-chapter-5');
    assert.equal(task.image, TEST_IMAGE);
    await client.stopTask(task.id);
    await removeByLabel('poseidon.task-id', task.id);
  });

  test('starting the same task id twice is idempotent: one container', async () => {
    const body = spec('twice', { id: 'b3c9a1e2-0000-4000-8000-00000000beef', command: ['sleep', '300'] });
    const [a, b] = await Promise.all([client.startTask(body), client.startTask(body)]);
    assert.equal(a.id, b.id);
    const running = await taskIn(a.id, 'Running');
    const again = await client.startTask(body);
    assert.equal(again.containerId, running.containerId);
    assert.equal((await containersWithLabel('poseidon.task-id', a.id)).length, 1);
    await client.stopTask(a.id);
  });

  test('logs and stats report on a running task', async () => {
    const created = await client.startTask(spec('talker', { command: ['sh', '-c', 'echo hello-from-task; sleep 300'] }));
    await taskIn(created.id, 'Running');
    const logs = await waitFor(async () => {
      const text = await (await fetch(`${proc.url}/tasks/${created.id}/logs`)).text();
      return text.includes('hello-from-task') ? text : undefined;
    });
    assert.match(logs, /hello-from-task/);
    const stats = await client.stats();
    assert.ok(stats.host.cpuCores >= 1);
    assert.ok(stats.host.memory.totalBytes > 0);
    assert.ok(stats.tasks.some((u) => u.id === created.id && u.memoryBytes > 0));
    const metrics = await (await fetch(`${proc.url}/metrics`)).text();
    assert.match(metrics, /poseidon_worker_tasks\{state="Running"\} [1-9]/);
    assert.deepEqual(await (await fetch(`${proc.url}/healthz`)).json(), { status: 'ok' });
    await client.stopTask(created.id);
  });

  test('unknown ids get 404 with the error shape', async () => {
    await assert.rejects(client.getTask('5f0e4c1c-0000-4000-8000-000000000000'), (err: unknown) => err instanceof RemoteError && err.status === 404 && err.code === 'task_not_found');
    await assert.rejects(client.stopTask('5f0e4c1c-0000-4000-8000-000000000000'), (err: unknown) => err instanceof RemoteError && err.status === 404);
  });

  test('a worker killed with SIGKILL and restarted adopts its running container', async () => {
    const created = await client.startTask(spec('survivor', { command: ['sleep', '300'] }));
    const running = await taskIn(created.id, 'Running');
    await proc.kill();
    await startWorker();
    const after = await client.getTask(created.id);
    assert.equal(after.state, 'Running');
    assert.equal(after.containerId, running.containerId);
    assert.deepEqual(await containersWithLabel('poseidon.task-id', created.id), [running.containerId]);
    await client.stopTask(created.id);
  });
});

