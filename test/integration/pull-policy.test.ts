import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { pino } from 'pino';
import type { ManagerAccess } from '../../testkit/manager-access.js';
import { adminClient } from '../../testkit/manager-access.js';
import { DockerDriver, RegistryAuth } from '../../src/driver/index.js';
import { parseSubmission, type TaskRequest } from '../../src/task/index.js';
import { LABEL_TEST_RUN, RunCleanup } from '../../testkit/cleanup.js';
import { spawnManager, spawnWorker } from '../../testkit/spawner.js';
import { isRunning, newRunId, TEST_IMAGE } from './helpers/docker.js';
import { TestRegistry } from './helpers/registry.js';
import { waitFor } from './helpers/wait-for.js';

// When a worker pulls a task's image (`pull`), on the real engine, from a registry on 127.0.0.1
// whose one tag is pushed again mid-test (`latest` names another image): `missing` pulls only an
// image the engine lacks, so it keeps running what it pulled first; `always` pulls before each
// start, so a start after the push runs the new image, and the host's copy when that pull fails
// (a registry that refuses it; none on the host fails the start); `never` pulls nothing. Then the user's
// story through a real manager and worker: a service that pulls always, restarted with
// `forceUpdate` (`poseidon service update --force`) after the push, runs the new image.

const run = promisify(execFile);
const runId = newRunId();
const cleanup = new RunCleanup(runId, new Docker(), { processes: 'kill' });
/** The image pushed second: the test image with a /marker file that says "two". */
const TWO = `poseidon-test/pull-two:${runId}`;
/** Prints what /marker holds, "none" without one. */
const SHOW_MARKER = 'cat /marker 2>/dev/null || echo none';
let registry: TestRegistry;
let configPath: string;

function writeConfig(password: string): void {
  const auth = Buffer.from(`deployer:${password}`).toString('base64');
  writeFileSync(configPath, JSON.stringify({ auths: { [registry.host]: { auth } } }));
}

/** The image gone from the engine, so that the next start finds it missing. */
async function forgetImage(): Promise<void> {
  await run('docker', ['rmi', '-f', registry.image]).catch(() => undefined);
}

/**
 * Every name a pull from the test registry left on the engine: a pull by tag also records
 * `<host>/<repository>@<digest>` on the image, which outlives the tag's removal. Removed by that
 * name, never by image id: the id is the test image's own.
 */
async function forgetPulledDigests(): Promise<void> {
  const repository = `${registry.host}/pull/${runId}`;
  const { stdout } = await run('docker', [
    'images',
    '--digests',
    '--filter',
    `reference=${repository}`,
    '--format',
    '{{.Repository}}@{{.Digest}}',
  ]);
  const names = stdout.split('\n').filter((line) => line.startsWith(`${repository}@sha256:`));
  if (names.length > 0) await run('docker', ['rmi', ...names]).catch(() => undefined);
}

before(async () => {
  const dir = await cleanup.tempDir('poseidon-pull-policy-');
  configPath = join(dir, 'config.json');
  const maker = `pull-two-${runId}`;
  await run('docker', [
    'run',
    '--name',
    maker,
    '--label',
    `${LABEL_TEST_RUN}=${runId}`,
    TEST_IMAGE,
    'sh',
    '-c',
    'echo two > /marker',
  ]);
  await run('docker', ['commit', maker, TWO]);
  await run('docker', ['rm', maker]);
  registry = await TestRegistry.start({
    source: TEST_IMAGE,
    repository: `pull/${runId}`,
    tag: 'latest',
    user: 'deployer',
    password: 's3cret',
  });
  writeConfig('s3cret');
});

after(async () => {
  await cleanup.release();
  if (registry !== undefined) {
    await forgetImage();
    await forgetPulledDigests();
  }
  await run('docker', ['rmi', '-f', TWO]).catch(() => undefined);
  await registry?.close();
});

describe("a task's pull policy, on the engine", () => {
  let driver: DockerDriver;
  before(() => {
    driver = new DockerDriver({
      workerName: `w-${runId}`,
      publishIp: '127.0.0.1',
      log: pino({ level: 'silent' }),
      registryAuth: new RegistryAuth(configPath, () => undefined),
    });
  });

  function task(name: string, pull: string): TaskRequest {
    return parseSubmission({
      name,
      image: registry.image,
      pull,
      command: ['sh', '-c', SHOW_MARKER],
      labels: { [LABEL_TEST_RUN]: runId },
    });
  }

  /** Starts the task, waits for its container to end, and answers what it printed. */
  async function output(name: string, pull: string): Promise<string> {
    const state = await driver.start(task(name, pull), { generation: 1 });
    await waitFor(async () => !(await isRunning(state.containerId)), { what: `${name} to end` });
    const { stdout } = await run('docker', ['logs', state.containerId]);
    return stdout.trim();
  }

  test('never: a start fails where the image is missing, and nothing is pulled', async () => {
    await forgetImage();
    await assert.rejects(driver.start(task('never-missing', 'never'), { generation: 1 }), {
      code: 'image_unavailable',
      message: `image ${registry.image} is not on this host, and its task never pulls: docker pull or docker load it on this host`,
    });
    assert.equal(registry.manifests, 0);
  });

  test('missing: the image the engine lacks is pulled, and a tag pushed again is not looked at', async () => {
    assert.equal(await output('missing-first', 'missing'), 'none');
    const pulled = registry.manifests;
    assert.ok(pulled > 0, 'the missing image was pulled');
    await registry.push(TWO);
    assert.equal(await output('missing-again', 'missing'), 'none', 'what was pulled first');
    assert.equal(registry.manifests, pulled, 'no pull: the engine has the image');
  });

  test('always: pulled before each start, so the tag pushed again runs as it now is', async () => {
    const before = registry.manifests;
    assert.equal(await output('always-after-push', 'always'), 'two');
    assert.ok(registry.manifests > before, 'pulled, though the engine had an image of that name');
  });

  test('never: the image on the host runs, and nothing is pulled', async () => {
    const before = registry.manifests;
    assert.equal(await output('never-present', 'never'), 'two');
    assert.equal(registry.manifests, before);
  });

  test("always: a pull that fails runs the host's copy, saying so; with no copy the start fails", async () => {
    writeConfig('wrong');
    try {
      const state = await driver.start(task('always-refused', 'always'), { generation: 1 });
      const said = state.pullFailed ?? '';
      assert.ok(said.startsWith(`running the copy of ${registry.image} on this host, since its pull failed: `), said);
      assert.ok(said.endsWith(`; check that w-${runId} reaches its registry`), said);
      await waitFor(async () => !(await isRunning(state.containerId)), { what: 'always-refused to end' });
      assert.equal((await run('docker', ['logs', state.containerId])).stdout.trim(), 'two', 'the copy on the host');
      await forgetImage();
      await assert.rejects(driver.start(task('always-refused-none', 'always'), { generation: 1 }), (err: Error) => {
        assert.ok(
          err.message.startsWith(`image ${registry.image} could not be pulled (its task pulls before each start): `),
          err.message,
        );
        return true;
      });
    } finally {
      writeConfig('s3cret');
    }
  });
});

describe('a service that pulls always, restarted after its tag was pushed again', () => {
  let access: ManagerAccess;
  const worker = `pull-${runId}`;
  before(async () => {
    const dir = await cleanup.tempDir('poseidon-pull-cluster-');
    access = (await spawnManager(join(dir, 'manager'), [], { onSpawn: (p) => cleanup.trackProcess(p) })).access;
    cleanup.trackWorkerName(worker);
    await spawnWorker(
      access,
      ['--port', '0', '--name', worker, '--data-dir', join(dir, worker), '--registry-auth', configPath],
      { onSpawn: (p) => cleanup.trackProcess(p) },
    );
    const client = adminClient(access);
    await waitFor(async () => (await client.listNodes()).some((n) => n.name === worker && n.state === 'Up'), {
      what: `${worker} to join`,
    });
  });

  test('service update with forceUpdate runs the image the tag now names', async () => {
    const client = adminClient(access);
    await registry.push(TEST_IMAGE);
    await forgetImage();
    const name = `pulled-${runId}`.slice(0, 40);
    const spec = {
      name,
      replicas: 1,
      task: {
        image: registry.image,
        pull: 'always',
        command: ['sh', '-c', `${SHOW_MARKER}; exec sleep 600`],
        labels: { [LABEL_TEST_RUN]: runId },
      },
    };
    await client.createService(spec);
    const printed = async (version: number): Promise<string> => {
      const task = await waitFor(
        async () => (await client.serviceTasks(name)).find((t) => t.version === version && t.state === 'Running'),
        { what: `a replica of version ${version} running` },
      );
      const text = await waitFor(
        async () => {
          let out = '';
          for await (const chunk of await client.logs(task.id, { follow: false })) out += String(chunk);
          return out.trim() === '' ? undefined : out.trim();
        },
        { what: `version ${version}'s output` },
      );
      return text;
    };
    assert.equal(await printed(1), 'none');
    await registry.push(TWO);
    const updated = await client.updateService(name, { ...spec, forceUpdate: 1 });
    assert.equal(updated.version, 2);
    assert.equal(await printed(2), 'two');
  });
});
