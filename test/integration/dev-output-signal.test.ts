import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Docker from 'dockerode';
import { DEV_STOPPED_STARTING, runDev, type DevFlags } from '../../src/cli/dev-action.js';
import type { Output } from '../../src/cli/each-name.js';
import { RunCleanup } from '../../testkit/cleanup.js';
import { createTestNetwork, type TestNetwork } from '../../testkit/test-network.js';
import { devTestFlags } from './helpers/dev-flags.js';
import { newRunId } from './helpers/docker.js';
import { freePort } from './helpers/free-port.js';
import { waitFor } from './helpers/wait-for.js';

// Ctrl-C (SIGINT) in `poseidon dev`'s first moments, in this process on a real engine: dev hears
// it from its start (Node's default would end the process there and then, leaving what it had
// made stopped halfway for the next dev to adopt), stops what it made so far, says so, and gives
// the signal back. A dev that did not hear it would start in full: its banner fails the test.

const runId = newRunId();
const docker = new Docker();
const cleanup = new RunCleanup(runId, docker, { processes: 'kill' });
after(() => cleanup.release());

let net: TestNetwork | undefined;

async function devFlags(name: string): Promise<DevFlags> {
  const dir = await cleanup.tempDir(`poseidon-dev-signal-${name}`);
  net ??= await createTestNetwork(docker, runId);
  const workerName = `dev-${name}-${runId}`;
  cleanup.trackWorkerName(workerName);
  process.env.XDG_CONFIG_HOME = join(dir, 'config');
  return devTestFlags(net, dir, workerName, String(await freePort()));
}

/**
 * Runs dev, sends Ctrl-C once `when` says so, and returns what it printed once it ended; a dev
 * that printed its banner (it started in full: it did not hear the signal) is stopped, and fails.
 */
async function interrupted(flags: DevFlags, when: () => boolean): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Output = { out: (text) => (out += text), err: (text) => (err += text) };
  const running = runDev(flags, io);
  let ended = false;
  const settled = running.then(
    () => (ended = true),
    () => (ended = true),
  );
  await waitFor(() => when() || ended, { what: 'the moment to press Ctrl-C' });
  const started = (): boolean => out.includes('(Ctrl-C stops both)');
  const startedBefore = started(); // it got there first: the signal stops a started dev, as always
  process.emit('SIGINT', 'SIGINT'); // Ctrl-C, as a handler hears it (none: Node's default would end the process)
  await waitFor(() => ended || (!startedBefore && started()), { what: 'dev to stop, or to have started' });
  if (!ended && !startedBefore) {
    process.emit('SIGINT', 'SIGINT'); // it went on starting: stopped now
    await settled;
    assert.fail(`dev did not stop at the first Ctrl-C while it started; it printed: ${out}`);
  }
  await running;
  return { out, err };
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('Ctrl-C as dev starts: it stops at once, says so, releases its data dir, and gives the signal back', async () => {
  const flags = await devFlags('first');
  const before = process.listenerCount('SIGINT');
  const { out, err } = await interrupted(flags, () => true);
  assert.equal(out, DEV_STOPPED_STARTING);
  assert.equal(err, '');
  assert.equal(process.listenerCount('SIGINT'), before, 'a later Ctrl-C is no longer dev’s');
  assert.equal(await listening(Number(flags.port)), false, 'no manager was left listening');
  // its data dir is no longer claimed: --clean, refused while a dev holds it, runs
  await runDev({ ...flags, clean: true }, { out: () => {}, err: () => {} });
});

test('Ctrl-C while dev starts its manager: the manager it started is stopped, and the data dir released', async () => {
  const flags = await devFlags('manager');
  const before = process.listenerCount('SIGINT');
  const managerDir = join(flags.dataDir ?? '', 'manager');
  const { out, err } = await interrupted(flags, () => existsSync(managerDir));
  // the signal lands while the manager starts, most often; later, dev has its client and says
  // what it left: either way it stopped, and nothing it started runs on
  assert.match(out, /^poseidon dev: stopped/m);
  assert.equal(err, '');
  assert.equal(process.listenerCount('SIGINT'), before);
  assert.equal(await listening(Number(flags.port)), false, 'the manager it started was stopped');
  await runDev({ ...flags, clean: true }, { out: () => {}, err: () => {} });
});
