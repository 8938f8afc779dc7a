import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Docker from 'dockerode';
import { runDev, type DevFlags } from '../../src/cli/dev-action.js';
import type { Output } from '../../src/cli/each-name.js';
import { RunCleanup } from '../../testkit/cleanup.js';
import { createTestNetwork } from '../../testkit/test-network.js';
import { devTestFlags } from './helpers/dev-flags.js';
import { newRunId } from './helpers/docker.js';
import { waitFor } from './helpers/wait-for.js';

// What `poseidon dev` prints, through the io its caller passes (the CLI's is stdout and stderr),
// on a real engine, in this process: where its manager and worker listen and where it saved the
// CLI's credentials as it starts; the line it stops with (Ctrl-C: SIGINT); and `--clean`'s line.

const runId = newRunId();
const docker = new Docker();
const cleanup = new RunCleanup(runId, docker, { processes: 'kill' });
after(() => cleanup.release());

test('poseidon dev says where its manager and worker listen and where it saved the credentials, then how it stopped', async () => {
  const dir = await cleanup.tempDir('poseidon-dev-output');
  const net = await createTestNetwork(docker, runId);
  const workerName = `dev-${runId}`;
  cleanup.trackWorkerName(workerName);
  process.env.XDG_CONFIG_HOME = join(dir, 'config');
  const flags: DevFlags = devTestFlags(net, dir, workerName);
  let out = '';
  let err = '';
  const io: Output = { out: (text) => (out += text), err: (text) => (err += text) };
  // Ctrl-C is heard once dev waits for it (after its banner and the credentials it saved)
  const listening = process.listenerCount('SIGINT');
  const running = runDev(flags, io);
  const failed = running.then(
    () => 'it ended',
    (e: unknown) => String(e),
  );
  await waitFor(
    async () =>
      (out.includes('credentials saved') && process.listenerCount('SIGINT') > listening) ||
      (await Promise.race([failed, undefined])),
    { what: 'the dev cluster to start and wait for Ctrl-C' },
  );
  assert.match(
    out,
    new RegExp(
      '^poseidon dev: manager https://127\\.0\\.0\\.1:\\d+, worker https://127\\.0\\.0\\.1:\\d+ \\(Ctrl-C stops both\\)\\n' +
        `  credentials saved to ${join(dir, 'config', 'poseidon', 'config.json')}; try: poseidon status\\n$`,
    ),
  );
  process.emit('SIGINT', 'SIGINT'); // Ctrl-C, as its handler hears it
  await running;
  assert.match(out, /\nposeidon dev: stopped; no task was left running\n$/);
  assert.equal(err, '');

  out = '';
  await runDev({ ...flags, clean: true }, io);
  assert.equal(
    out,
    `poseidon dev --clean: removed 0 containers of worker ${workerName}, 0 volumes, network ${net.name}, ` +
      `the state in ${join(dir, 'dev')} and the credentials saved for it\n`,
  );
});
