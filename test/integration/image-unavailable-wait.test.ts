import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { TestCluster } from './helpers/cluster.js';
import { TEST_IMAGE } from './helpers/docker.js';

const run = promisify(execFile);

// `--wait` given an image its node cannot have, against a real manager and worker on the real
// engine: it ends at the first failed start, in one line that says why and what to do, rather than
// show restart after restart until its timeout. `pull: never` makes the image missing without a
// registry: the worker refuses it as it refuses one whose pull failed (ImageUnavailable).

describe('--wait for an image its node cannot have', () => {
  const c = new TestCluster();
  const image = `poseidon-test/absent:${c.runId}`;
  /** Missing until the test loads it (a tag of the test image), then removed by that name. */
  const loadedLater = `poseidon-test/loaded-later:${c.runId}`;
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
  });
  after(async () => {
    await c.close();
    await run('docker', ['rmi', loadedLater]).catch(() => undefined);
  });

  test('run --wait says the start failed, why, and what to do, and exits 1', async () => {
    const label = `poseidon.test-run=${c.runId}`;
    const r = await c.cli(['run', '--name', 'absent', '--pull', 'never', '-l', label, '--wait', image]);
    assert.equal(r.code, 1, r.stderr);
    const node = c.workerName('a');
    assert.match(
      r.stdout,
      new RegExp(
        `^[0-9a-f-]{36} Failed on ${node}: image ${image} is not on this host, and its task never pulls: .*; ` +
          `its restart policy starts it again; check the image name ${image}, build or load it on ${node} ` +
          `\\(docker build or docker load there\\), or check that ${node} reaches its registry\\n$`,
      ),
    );
  });

  test('service create --wait ends at the first failed start, not at its timeout, in one line', async () => {
    const label = `poseidon.test-run=${c.runId}`;
    // a broken wait would run to this bound (and fail on what it prints), never to the default 10m
    const args = ['service', 'create', '--name', 'absent-svc', '--pull', 'never', '-l', label, '--timeout', '2m'];
    const r = await c.cli([...args, '--wait', image]);
    assert.equal(r.code, 1, r.stdout);
    const node = c.workerName('a');
    assert.match(
      r.stderr,
      new RegExp(
        `^poseidon: service absent-svc: absent-svc-1 cannot start: image ${image} is not on this host, and its ` +
          `task never pulls: [^\\n]*; check the image name ${image}, build or load it on ${node} [^\\n]*` +
          `\\(it is tried again as its restart policy says: poseidon service ps absent-svc\\)\\n$`,
      ),
    );
    assert.doesNotMatch(r.stderr, /after \d+s/, 'no timeout');
    // what it showed meanwhile: the replica's progress; why it failed is said once, in the error
    assert.match(r.stdout, /^service absent-svc created \(version 1, 1 replica\)$/m);
    assert.doesNotMatch(r.stdout, /never pulls/);
    // the service is left as it is: it keeps trying, as its restart policy says
    assert.equal((await c.client.getService('absent-svc')).replicas, 1);
    assert.equal((await c.cli(['service', 'rm', 'absent-svc'])).code, 0);
  });

  test('a wait begun after the image was loaded waits out the failure from before it, and ends healthy', async () => {
    const label = `poseidon.test-run=${c.runId}`;
    const args = ['service', 'create', '--name', 'later', '--pull', 'never', '-l', label, '--timeout', '2m', '--wait'];
    const failed = await c.cli([...args, loadedLater, 'sleep', '3600']);
    assert.equal(failed.code, 1, failed.stdout);
    assert.match(failed.stderr, /later-1 cannot start: image .* is not on this host/);
    // someone loads the image on the node; the replica's last failure is still the one from before
    await run('docker', ['tag', TEST_IMAGE, loadedLater]);
    const scaled = await c.cli(['service', 'scale', 'later', '2', '--wait', '--timeout', '2m']);
    assert.equal(scaled.code, 0, `${scaled.stdout}${scaled.stderr}`);
    assert.match(scaled.stdout, /^service later: 2\/2 replicas healthy$/m);
    assert.equal((await c.cli(['service', 'rm', 'later'])).code, 0);
  });
});
