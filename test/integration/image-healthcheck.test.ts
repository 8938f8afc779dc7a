import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { ManagerTaskView } from '../../src/api/index.js';
import { TestCluster } from './helpers/cluster.js';
import { TEST_IMAGE } from './helpers/docker.js';
import { serviceSpec } from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

// A task without a health check of its own, from an image with a HEALTHCHECK, as Swarm takes it:
// the engine runs the image's check, the worker reports its verdicts (starting until the first),
// a service counts the replica ready only once healthy, and an unhealthy verdict fails the task
// for its restart policy. Against a real manager and worker over mutual TLS, on the real engine.

const run = promisify(execFile);
const c = new TestCluster();
/** Built here from the test image (no registry): healthy once /tmp/ok exists, checked every second. */
const IMAGE = `poseidon/healthcheck-test:${c.runId}`;
const DOCKERFILE = [
  `FROM ${TEST_IMAGE}`,
  // failures in the start period do not count until a first success; then two in a row are unhealthy
  'HEALTHCHECK --interval=1s --timeout=5s --start-period=60s --retries=2 CMD test -f /tmp/ok || (echo no /tmp/ok; exit 1)',
].join('\n');
/** Healthy 4 s after it starts (the file appears), so the worker's first word is `starting`. */
const COMMAND = ['sh', '-c', 'sleep 4; touch /tmp/ok; sleep 600'];

async function until(id: string, what: string, ok: (t: ManagerTaskView) => boolean): Promise<ManagerTaskView> {
  return waitFor(
    async () => {
      const t = await c.client.getTask(id);
      return ok(t) ? t : undefined;
    },
    { what, timeoutMs: 60_000 },
  );
}

describe("an image's own HEALTHCHECK, on the real engine", () => {
  before(async () => {
    const build = run('docker', ['build', '-q', '-t', IMAGE, '-'], { timeout: 120_000 });
    build.child.stdin?.end(`${DOCKERFILE}\n`);
    await build;
    await c.startManager();
    await c.startWorker('a');
  });
  after(async () => {
    await c.close();
    await run('docker', ['rmi', '-f', IMAGE]).catch(() => undefined);
  });

  test('a task is starting, then healthy; unhealthy, it fails with the check output and its policy restarts it', async () => {
    const { id } = await c.client.submit(c.task('checked', { image: IMAGE, command: COMMAND }));
    const running = await until(id, 'Running', (t) => t.state === 'Running');
    assert.equal(running.health.status, 'starting', "the image's check has not passed yet");
    const healthy = await until(id, 'healthy', (t) => t.health.status === 'healthy');
    assert.equal(healthy.restarts, 0);
    // the file goes: two failed checks in a row, and the engine says unhealthy
    await run('docker', ['exec', healthy.containerId ?? '', 'rm', '/tmp/ok']);
    const again = await until(id, 'restarted', (t) => t.restarts >= 1);
    assert.equal(again.lastExit?.reason, "unhealthy: its image's HEALTHCHECK failed (last: no /tmp/ok)");
    await until(id, 'healthy again', (t) => t.state === 'Running' && t.health.status === 'healthy');
    await c.client.stopTask(id);
  });

  test("imageHealthCheck: false turns the image's check off: the engine runs none, the task is ready at once", async () => {
    const { id } = await c.client.submit(
      c.task('unchecked', { image: IMAGE, command: COMMAND, imageHealthCheck: false }),
    );
    const running = await until(id, 'Running', (t) => t.state === 'Running');
    assert.equal(running.health.status, 'none');
    const inspect = await run('docker', ['inspect', '--format', '{{json .State.Health}}', running.containerId ?? '']);
    assert.equal(inspect.stdout.trim(), 'null', 'the engine runs no check');
    await c.client.stopTask(id);
  });

  test("a service's replica counts as healthy only once the image's check passes", async () => {
    await c.client.createService(serviceSpec(c, 'checked-svc', { replicas: 1 }, { image: IMAGE, command: COMMAND }));
    const [replica] = await waitFor(
      async () => {
        const tasks = await c.client.listTasks({ service: 'checked-svc', state: 'Running' });
        return tasks.length > 0 ? tasks : undefined;
      },
      { what: 'a replica running', timeoutMs: 60_000 },
    );
    assert.equal(replica?.health.status, 'starting');
    assert.equal((await c.client.getService('checked-svc')).healthy, 0, 'running, not healthy yet');
    await waitFor(async () => ((await c.client.getService('checked-svc')).healthy === 1 ? true : undefined), {
      what: 'the replica healthy',
      timeoutMs: 60_000,
    });
    await c.client.removeService('checked-svc');
  });
});
