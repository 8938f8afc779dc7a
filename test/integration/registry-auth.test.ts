import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { pino } from 'pino';
import { DockerDriver, RegistryAuth } from '../../src/driver/index.js';
import { parseSubmission } from '../../src/task/index.js';
import { LABEL_TEST_RUN, removeByLabel } from '../../testkit/cleanup.js';
import { newRunId, TEST_IMAGE } from './helpers/docker.js';
import { TestRegistry } from './helpers/registry.js';

// A worker pulls a missing image from a registry that wants credentials with those of its host's
// docker config.json (`poseidon worker --registry-auth`): on the real engine, from a registry on
// 127.0.0.1 behind basic auth. Without them the start fails saying where the worker looks; a file
// changed since (rotated credentials) is read again at the next pull.

const run = promisify(execFile);
const runId = newRunId();
const dir = mkdtempSync(join(tmpdir(), 'poseidon-registry-auth-'));
const configPath = join(dir, 'config.json');
const warnings: string[] = [];
let registry: TestRegistry;
let driver: DockerDriver;

function writeConfig(host: string, user: string, password: string): void {
  const auth = Buffer.from(`${user}:${password}`).toString('base64');
  writeFileSync(configPath, JSON.stringify({ auths: { [host]: { auth } }, psFormat: 'table' }));
}

function task(name: string): ReturnType<typeof parseSubmission> {
  return parseSubmission({
    name,
    image: registry.image,
    command: ['echo', 'pulled'],
    labels: { [LABEL_TEST_RUN]: runId },
  });
}

/** The image gone from the engine again, so the next start pulls it. */
async function forgetImage(): Promise<void> {
  await run('docker', ['rmi', '-f', registry.image]).catch(() => undefined);
}

describe('pulls with registry credentials', () => {
  before(async () => {
    registry = await TestRegistry.start({
      source: TEST_IMAGE,
      repository: `private/${runId}`,
      tag: '1',
      user: 'deployer',
      password: 's3cret',
    });
    driver = new DockerDriver({
      workerName: `w-${runId}`,
      publishIp: '127.0.0.1',
      log: pino({ level: 'silent' }),
      registryAuth: new RegistryAuth(configPath, (_fields, msg) => warnings.push(msg)),
    });
  });
  after(async () => {
    await removeByLabel(new Docker(), `${LABEL_TEST_RUN}=${runId}`);
    await forgetImage();
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('without credentials for its registry the start fails, saying where the worker looks', async () => {
    writeFileSync(configPath, JSON.stringify({ auths: {} }));
    await assert.rejects(driver.start(task('no-creds'), { generation: 1 }), (err: Error) => {
      assert.match(err.message, new RegExp(`image ${registry.image} is not on this host and could not be pulled`));
      assert.ok(
        err.message.includes(`(no credentials for ${registry.host} in ${configPath}: docker login ${registry.host}`),
        err.message,
      );
      return true;
    });
    assert.ok(registry.refused > 0, 'the registry was asked, and refused');
  });

  test('with them the image is pulled and runs; a changed file is read again at the next pull', async () => {
    writeConfig(registry.host, 'deployer', 'wrong');
    await assert.rejects(driver.start(task('wrong-creds'), { generation: 1 }), /could not be pulled/);
    writeConfig(registry.host, 'deployer', 's3cret'); // rotated: the next pull takes it
    const c = await driver.start(task('pulled'), { generation: 1 });
    const { stdout } = await run('docker', ['logs', c.containerId]);
    assert.equal(stdout.trim(), 'pulled');
    assert.deepEqual(warnings, []);
  });

  test("a registry the file gives a credential helper gets the helper's answer, as docker login with one", async (t) => {
    await forgetImage();
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    // a helper as docker-credential-helpers answers `get`: the server it is asked for on stdin
    const helper = join(bin, 'docker-credential-poseidontest');
    writeFileSync(
      helper,
      `#!/bin/sh\n[ "$1" = get ] || exit 3\nread server\n[ "$server" = "${registry.host}" ] || ` +
        `{ echo "credentials not found in native keychain"; exit 1; }\n` +
        `echo '{"ServerURL":"'$server'","Username":"deployer","Secret":"s3cret"}'\n`,
      { mode: 0o755 },
    );
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path ?? ''}`;
    t.after(() => {
      process.env.PATH = path;
    });
    writeFileSync(configPath, JSON.stringify({ auths: {}, credHelpers: { [registry.host]: 'poseidontest' } }));
    const c = await driver.start(task('by-helper'), { generation: 1 });
    const { stdout } = await run('docker', ['logs', c.containerId]);
    assert.equal(stdout.trim(), 'pulled');

    await forgetImage();
    writeFileSync(configPath, JSON.stringify({ credHelpers: { [registry.host]: 'not-installed' } }));
    await assert.rejects(driver.start(task('helper-missing'), { generation: 1 }), {
      message:
        `image ${registry.image} is not on this host and could not be pulled: credential helper ` +
        `docker-credential-not-installed failed for ${registry.host}: docker-credential-not-installed is not on ` +
        "the worker's PATH",
    });
  });
});
