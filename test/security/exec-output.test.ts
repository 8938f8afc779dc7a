import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import Docker from 'dockerode';
import { pino } from 'pino';
import { DockerDriver } from '../../src/driver/index.js';
import { EXEC_OUTPUT_MAX_BYTES } from '../../src/driver/docker/docker-driver.js';
import { parseSubmission } from '../../src/task/index.js';
import { LABEL_TEST_RUN, removeByLabel } from '../../testkit/cleanup.js';
import { newRunId, TEST_IMAGE } from '../integration/helpers/docker.js';

// An exec health check is a command the task's image chooses; one that prints without end must
// not make the worker hold all of it. The real engine runs a check that prints 16 MiB: the
// worker keeps the last 64 KiB, with the end of the output (where a verdict usually is).

describe('exec output is kept to its last 64 KiB', () => {
  const runId = newRunId();
  const driver = new DockerDriver({ workerName: `w-${runId}`, publishIp: '127.0.0.1', log: pino({ level: 'silent' }) });
  after(async () => {
    await removeByLabel(new Docker(), `${LABEL_TEST_RUN}=${runId}`);
  });

  test('a check that prints 16 MiB leaves 64 KiB, ending where the output ended', async () => {
    const task = parseSubmission({
      name: 'chatty',
      image: TEST_IMAGE,
      command: ['sleep', '600'],
      labels: { [LABEL_TEST_RUN]: runId },
    });
    const c = await driver.start(task, { generation: 1 });
    const { exitCode, output } = await driver.exec(
      c.containerId,
      ['sh', '-c', 'head -c 16777216 /dev/zero | tr "\\0" a; echo; echo verdict: sick; exit 3'],
      60_000,
    );
    assert.equal(exitCode, 3);
    assert.equal(EXEC_OUTPUT_MAX_BYTES, 64 * 1024);
    assert.equal(Buffer.byteLength(output), EXEC_OUTPUT_MAX_BYTES);
    assert.ok(output.endsWith('aaaa\nverdict: sick\n'), output.slice(-40));
  });
});
