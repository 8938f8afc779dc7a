import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { pino } from 'pino';
import { DockerDriver } from '../../src/driver/index.js';
import { DEFAULT_PIDS_LIMIT, MIN_CPU_CORES, MIN_MEMORY_BYTES, parseSubmission } from '../../src/task/index.js';
import { LABEL_TEST_RUN, removeByLabel } from '../../testkit/cleanup.js';
import { newRunId, TEST_IMAGE } from './helpers/docker.js';

// What every task container gets from the Docker driver, read back from the real engine
// (docker inspect): no-new-privileges, a pids limit, a capped json-file log, a memory limit equal
// to the request with no swap on top, cpu as a weight, and a hard quota only with cpuLimit. And the
// floors the task spec enforces are the engine's own: one byte or one step under them, it refuses.

const run = promisify(execFile);
const runId = newRunId();
const driver = new DockerDriver({ workerName: `w-${runId}`, publishIp: '127.0.0.1', log: pino({ level: 'silent' }) });

interface HostConfig {
  SecurityOpt: string[] | null;
  PidsLimit: number | null;
  LogConfig: { Type: string; Config: Record<string, string> };
  Memory: number;
  MemorySwap: number;
  CpuShares: number;
  NanoCpus: number;
  Init: boolean | null;
}

async function hostConfig(containerId: string): Promise<HostConfig> {
  const { stdout } = await run('docker', ['inspect', '-f', '{{json .HostConfig}}', containerId]);
  return JSON.parse(stdout) as HostConfig;
}

function task(name: string, fields: Record<string, unknown> = {}): ReturnType<typeof parseSubmission> {
  return parseSubmission({
    name,
    image: TEST_IMAGE,
    command: ['sleep', '600'],
    labels: { [LABEL_TEST_RUN]: runId },
    ...fields,
  });
}

describe('the Docker driver creates task containers with safe defaults', () => {
  after(async () => {
    await removeByLabel(new Docker(), `${LABEL_TEST_RUN}=${runId}`);
  });

  test('a task with no limits: no-new-privileges, 1024 pids, a 10 MiB x 3 json-file log, no quota, no memory limit', async () => {
    const c = await driver.start(task('plain'), { generation: 1 });
    const h = await hostConfig(c.containerId);
    assert.deepEqual(h.SecurityOpt, ['no-new-privileges']);
    assert.equal(h.PidsLimit, DEFAULT_PIDS_LIMIT);
    assert.deepEqual(h.LogConfig, {
      Type: 'json-file',
      Config: { 'max-file': '3', 'max-size': String(10 * 1024 * 1024) },
    });
    assert.equal(h.NanoCpus, 0);
    assert.equal(h.Memory, 0);
    assert.equal(h.Init, true);
  });

  test('cpu is a weight (shares), memory a limit equal to the request without swap, pidsLimit as asked', async () => {
    const c = await driver.start(task('sized', { cpu: 0.25, memory: '64Mi', pidsLimit: 64 }), { generation: 1 });
    const h = await hostConfig(c.containerId);
    assert.equal(h.CpuShares, 256);
    assert.equal(h.NanoCpus, 0, 'no hard quota without cpuLimit');
    assert.equal(h.Memory, 64 * 2 ** 20);
    assert.equal(h.MemorySwap, 64 * 2 ** 20);
    assert.equal(h.PidsLimit, 64);
  });

  test('cpuLimit sets a hard quota', async () => {
    const c = await driver.start(task('capped', { cpu: 0.25, cpuLimit: 0.5 }), { generation: 1 });
    const h = await hostConfig(c.containerId);
    assert.equal(h.CpuShares, 256);
    assert.equal(h.NanoCpus, 500_000_000);
  });

  test('the least memory a task may ask for is the least the engine takes', async () => {
    const c = await driver.start(task('least-memory', { memory: MIN_MEMORY_BYTES }), { generation: 1 });
    assert.equal((await hostConfig(c.containerId)).Memory, MIN_MEMORY_BYTES);
    // one byte less (which the spec refuses) the engine refuses too
    const under = { ...task('under-memory'), memoryBytes: MIN_MEMORY_BYTES - 1 };
    await assert.rejects(driver.start(under, { generation: 1 }), /Minimum memory limit allowed is 6MB/);
  });

  test('the least cpu limit a task may set is the least quota the kernel takes', async () => {
    const c = await driver.start(task('least-cpu', { cpuLimit: MIN_CPU_CORES }), { generation: 1 });
    assert.equal((await hostConfig(c.containerId)).NanoCpus, 10_000_000);
    // a quota under 1 ms per period (which the spec refuses) fails in the engine
    const under = { ...task('under-cpu'), cpuLimitCores: 0.001 };
    await assert.rejects(driver.start(under, { generation: 1 }), /cpu/);
  });
});
