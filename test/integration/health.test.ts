import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { WorkerTaskView } from '../../src/api/index.js';
import { asManager } from '../../testkit/manager-access.js';
import { tlsFetch } from '../../testkit/tls-fetch.js';
import { containerExists, containersWithLabel } from './helpers/docker.js';
import { TestWorker } from './helpers/worker.js';

const run = promisify(execFile);
const w = new TestWorker();

/** Short enough for quick tests; the verdict needs two failed checks in a row. */
const FAST = { interval: '200ms', timeout: '150ms', failureThreshold: 2 };
/**
 * An exec check is a `docker exec` round trip, which takes from 20 ms to over 500 ms on a busy
 * machine: with FAST's 150 ms these tests measured the machine, not the check. What they assert
 * (the command's exit decides) needs a timeout the machine does not reach (the longest seen: 600 ms,
 * at a load of 12 on 2 cores); a timeout may not be longer than the interval.
 */
const EXEC = { interval: '1s', timeout: '1s', failureThreshold: 2 };
const HTTPD = ['httpd', '-f', '-p', '80', '-h', '/www'];

const healthy = (id: string): Promise<WorkerTaskView> =>
  w.taskUntil(id, 'healthy', (t) => t.state === 'Running' && t.health.status === 'healthy');
const ended = (id: string): Promise<WorkerTaskView> =>
  w.taskUntil(id, 'ended', (t) => t.state === 'Failed' || t.state === 'Completed');

/** The task failed its health check: Failed with the verdict as reason, its container gone. */
async function assertFailedUnhealthy(t: WorkerTaskView, type: string, lastOutput: RegExp): Promise<void> {
  assert.equal(t.state, 'Failed');
  assert.ok(t.reason.startsWith('unhealthy:'), t.reason);
  assert.match(t.reason, new RegExp(`^unhealthy: 2 consecutive failed ${type} checks \\(last: `));
  assert.match(t.health.lastOutput, lastOutput);
  assert.equal(t.health.status, 'unhealthy');
  assert.equal(t.health.failures, 2);
  assert.equal(typeof t.exitCode, 'number', 'the exit code comes from inspect after the stop');
  assert.ok(t.finishedAt !== null);
  assert.equal(await containerExists(t.containerId ?? ''), false, 'the container is removed');
  assert.deepEqual(await containersWithLabel('poseidon.task-id', t.id), []);
}

describe('health checks against the real Docker engine', () => {
  before(() => w.start());
  after(() => w.close());

  test('an http check on busybox httpd answering 200 makes the task healthy', async () => {
    const created = await w.client.startTask(
      w.spec('web-ok', {
        command: HTTPD,
        ports: [{ container: 80 }],
        healthCheck: { type: 'http', port: 80, path: '/', ...FAST },
      }),
    );
    assert.equal(created.health.status, 'starting');
    const t = await healthy(created.id);
    assert.equal(t.health.lastOutput, 'HTTP 200');
    assert.equal(t.health.failures, 0);
    assert.ok(t.health.lastCheckedAt !== null);
    await w.client.stopTask(created.id);
  });

  test('an http check answered 404 fails the task as unhealthy and removes its container', async () => {
    const created = await w.client.startTask(
      w.spec('web-404', {
        command: HTTPD,
        ports: [{ container: 80 }],
        healthCheck: { type: 'http', port: 80, path: '/missing', ...FAST },
      }),
    );
    const t = await ended(created.id);
    await assertFailedUnhealthy(t, 'http', /^HTTP 404$/);
    assert.equal(t.reason, 'unhealthy: 2 consecutive failed http checks (last: HTTP 404)');
    const metrics = (await tlsFetch(`${w.proc.url}/metrics`, { tls: asManager(w.manager) })).text();
    assert.match(metrics, /poseidon_worker_health_checks_total\{type="http",result="unhealthy"\} [1-9]/);
    assert.match(metrics, /poseidon_worker_health_check_failures_total\{type="http"\} [1-9]/);
  });

  test('a tcp check on a port where nothing listens fails the task as unhealthy', async () => {
    const created = await w.client.startTask(
      w.spec('tcp-closed', {
        command: ['sleep', '600'],
        ports: [{ container: 8080 }],
        healthCheck: { type: 'tcp', port: 8080, ...FAST },
      }),
    );
    const t = await ended(created.id);
    // the check goes to the container's own address, not the published host port (where Docker's proxy would accept)
    await assertFailedUnhealthy(t, 'tcp', /^connect ECONNREFUSED [0-9.]+:8080$/);
  });

  test('an exec check whose command exits 1 fails the task as unhealthy', async () => {
    const created = await w.client.startTask(
      w.spec('exec-no', {
        command: ['sh', '-c', 'sleep 600'],
        healthCheck: { type: 'exec', command: ['sh', '-c', 'test -f /tmp/ready'], ...EXEC },
      }),
    );
    const t = await ended(created.id);
    await assertFailedUnhealthy(t, 'exec', /^the check exited with code 1$/);
  });

  test('an exec check whose command exits 0 makes the task healthy', async () => {
    const created = await w.client.startTask(
      w.spec('exec-ok', {
        command: ['sh', '-c', 'touch /tmp/ready; sleep 600'],
        healthCheck: { type: 'exec', command: ['sh', '-c', 'test -f /tmp/ready'], ...EXEC },
      }),
    );
    const t = await healthy(created.id);
    assert.equal(t.health.lastOutput, 'the check exited with code 0');
    await w.client.stopTask(created.id);
  });

  test('checks resume for a container adopted after a worker restart', async () => {
    const created = await w.client.startTask(
      w.spec('adopted', {
        command: ['sh', '-c', 'touch /tmp/ready; sleep 600'],
        healthCheck: { type: 'exec', command: ['sh', '-c', 'test -f /tmp/ready'], ...EXEC },
      }),
    );
    const before = await healthy(created.id);
    await w.proc.kill();
    await run('docker', ['exec', before.containerId ?? '', 'rm', '/tmp/ready']); // goes bad while no worker watches
    await w.start();
    const t = await ended(created.id);
    await assertFailedUnhealthy(t, 'exec', /^the check exited with code 1$/);
  });
});
