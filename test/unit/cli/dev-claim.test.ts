import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { claimDev } from '../../../src/cli/dev-claim.js';
import { devOptions, runDev, type DevFlags } from '../../../src/cli/dev-action.js';
import { cleanDev } from '../../../src/cli/dev-clean.js';

// One `poseidon dev` a data dir, by the claim the manager and the worker take (an abstract socket
// the kernel drops with its process): a second dev, and a --clean, are refused while one runs, in
// one line naming its pid and since when, before either touches Docker; once it dies, kill -9
// too, the data dir is free at once, with no pid file left behind.

const CLAIM = new URL('../../../src/cli/dev-claim.js', import.meta.url).href;

/** A dev's flags on `dataDir`, with a Docker socket that is not one: whatever gets past the claim fails there. */
function flags(dataDir: string): DevFlags {
  return {
    host: '127.0.0.1',
    workerName: 'claim-test',
    port: '0',
    workerPort: '0',
    dataDir,
    scheduler: 'roundrobin',
    engineGrace: '30s',
    dockerSocket: join(dataDir, 'no-docker.sock'),
    demoImage: 'poseidon/busybox:latest',
    network: 'pclaimtest',
    subnetPool: '10.213.0.0/16',
    taskNetwork: 'bridge',
    taskHistory: '5',
    plainTaskHistory: '1000',
    dnsPort: '0',
    dnsTtl: '5',
    recursion: true,
    proxyTimeout: '60',
    proxyUdpTimeout: '30',
  };
}

/** A process that claims `dir` as a dev does and holds it until the test ends (or it is killed). */
async function holder(t: TestContext, dir: string) {
  const script = `const { claimDev } = await import(${JSON.stringify(CLAIM)}); await claimDev(${JSON.stringify(dir)});
    console.log('claimed'); setInterval(() => {}, 1000);`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => proc.kill('SIGKILL'));
  await once(proc.stdout, 'data');
  return proc;
}

test('a second poseidon dev and a --clean are refused while a dev holds the data dir, naming its pid', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-dev-claim-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const proc = await holder(t, dir);
  const since = /since \d{4}-\d\d-\d\dT[0-9:.]+Z/.source;
  await assert.rejects(runDev(flags(dir)), (err: Error) => {
    assert.match(
      err.message,
      new RegExp(
        `^--data-dir ${dir} is in use by another poseidon dev \\(pid ${proc.pid}, ${since}\\); ` +
          'stop it first, or give this one a --data-dir of its own$',
      ),
    );
    return true;
  });
  await assert.rejects(cleanDev(devOptions({ ...flags(dir), clean: true })), (err: Error) => {
    assert.match(
      err.message,
      new RegExp(`^--clean finds poseidon dev running \\(pid ${proc.pid}, ${since}\\) on ${dir}; stop it first$`),
    );
    return true;
  });
  assert.deepEqual(await readdir(dir), [], 'the claim leaves no file in the data dir');

  proc.kill('SIGKILL');
  await once(proc, 'exit');
  const release = await claimDev(dir); // a dev killed holds nothing
  await release();
});
