import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { pino } from 'pino';
import { DockerDriver } from '../../src/driver/index.js';
import { parseSubmission } from '../../src/task/index.js';
import { LABEL_TEST_RUN, removeByLabel } from '../../testkit/cleanup.js';
import { newRunId, TEST_IMAGE } from './helpers/docker.js';

// How a task's process runs and stops, on the real engine: entrypoint, user, workdir and a
// read-only root change what the process sees; stopSignal is what a stop sends first, and
// stopGracePeriod how long it waits before SIGKILL (the container's StopTimeout).

const run = promisify(execFile);
const runId = newRunId();
const driver = new DockerDriver({ workerName: `w-${runId}`, publishIp: '127.0.0.1', log: pino({ level: 'silent' }) });

function task(name: string, fields: Record<string, unknown>): ReturnType<typeof parseSubmission> {
  return parseSubmission({ name, image: TEST_IMAGE, labels: { [LABEL_TEST_RUN]: runId }, ...fields });
}

/** What the container printed once it exited, and its exit code. */
async function finished(containerId: string): Promise<{ output: string; exitCode: number }> {
  const { stdout: code } = await run('docker', ['wait', containerId]);
  const { stdout, stderr } = await run('docker', ['logs', containerId]);
  return { output: `${stdout}${stderr}`.trim(), exitCode: Number(code.trim()) };
}

async function inspect(containerId: string, format: string): Promise<string> {
  return (await run('docker', ['inspect', '-f', format, containerId])).stdout.trim();
}

describe("a task's process options on the real engine", () => {
  after(async () => {
    await removeByLabel(new Docker(), `${LABEL_TEST_RUN}=${runId}`);
  });

  test('user and workdir: the process runs as 1000:1000 in /tmp', async () => {
    const t = task('who', { user: '1000:1000', workdir: '/tmp', command: ['sh', '-c', 'id -u; id -g; pwd'] });
    const c = await driver.start(t, { generation: 1 });
    assert.deepEqual(await finished(c.containerId), { output: '1000\n1000\n/tmp', exitCode: 0 });
  });

  test("entrypoint replaces the image's and runs before the command; [] runs the command alone", async () => {
    const first = await driver.start(
      task('entry', { entrypoint: ['echo', 'from-entrypoint'], command: ['and', 'cmd'] }),
      {
        generation: 1,
      },
    );
    assert.deepEqual(await finished(first.containerId), { output: 'from-entrypoint and cmd', exitCode: 0 });
    const none = await driver.start(task('no-entry', { entrypoint: [], command: ['echo', 'alone'] }), {
      generation: 1,
    });
    assert.deepEqual(await finished(none.containerId), { output: 'alone', exitCode: 0 });
  });

  test('readOnlyRootfs: a write to the root filesystem fails', async () => {
    const t = task('ro', { readOnlyRootfs: true, command: ['sh', '-c', 'touch /written 2>&1; echo rc=$?'] });
    const c = await driver.start(t, { generation: 1 });
    const { output } = await finished(c.containerId);
    assert.match(output, /Read-only file system/);
    assert.match(output, /rc=1$/);
    assert.equal(await inspect(c.containerId, '{{.HostConfig.ReadonlyRootfs}}'), 'true');
  });

  test('tmpfs: a read-only root with a writable /tmp in memory, sized as asked, empty and 1777', async () => {
    const script = 'ls -A /tmp | wc -l; stat -c %a /tmp; echo hi > /tmp/f && cat /tmp/f; df -k /tmp | tail -1';
    const t = task('tmp', {
      readOnlyRootfs: true,
      tmpfs: [{ path: '/tmp', size: '8Mi' }, { path: '/run/app' }],
      command: ['sh', '-c', script],
    });
    const c = await driver.start(t, { generation: 1 });
    const { output, exitCode } = await finished(c.containerId);
    assert.equal(exitCode, 0, output);
    const [count, mode, written, df] = output.split('\n');
    assert.deepEqual([count?.trim(), mode, written], ['0', '1777', 'hi']);
    assert.match(df ?? '', /^tmpfs\s+8192\s/, 'an 8 MiB tmpfs');
    const mounts = JSON.parse(await inspect(c.containerId, '{{json .HostConfig.Mounts}}')) as Array<{ Type: string }>;
    assert.deepEqual(
      mounts.map((m) => m.Type),
      ['tmpfs', 'tmpfs'],
    );
  });

  test('stopSignal: a stop sends SIGUSR1 first, which the task traps and exits 0 on', async () => {
    const script = "trap 'echo got-usr1; exit 0' USR1; echo ready; while true; do sleep 0.1; done";
    const t = task('sig', { stopSignal: 'usr1', command: ['sh', '-c', script] });
    const c = await driver.start(t, { generation: 1 });
    assert.equal(await inspect(c.containerId, '{{.Config.StopSignal}}'), 'SIGUSR1');
    await waitForOutput(c.containerId, 'ready');
    await driver.stop(c.containerId, 30);
    const { output, exitCode } = await finished(c.containerId);
    assert.equal(exitCode, 0);
    assert.match(output, /got-usr1/);
  });

  test('stopGracePeriod: the container waits that long (whole seconds) before SIGKILL', async () => {
    const t = task('grace', { stopGracePeriod: '1500ms', command: ['sh', '-c', "trap '' TERM; sleep 600"] });
    const c = await driver.start(t, { generation: 1 });
    assert.equal(await inspect(c.containerId, '{{.Config.StopTimeout}}'), '2');
  });
});

/** Until the container has printed `text` (its trap is set). */
async function waitForOutput(containerId: string, text: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { stdout } = await run('docker', ['logs', containerId]);
    if (stdout.includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`container ${containerId} never printed ${text}`);
}
