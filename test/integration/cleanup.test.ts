import assert from 'node:assert/strict';
import { test } from 'node:test';
import Docker from 'dockerode';
import { containersByLabel, LABEL_TEST_RUN, RunCleanup, type Stoppable } from '../../testkit/cleanup.js';
import { newRunId, TEST_IMAGE } from './helpers/docker.js';

// A test's cleanup removes the containers its run made, by label, after it stops its processes.
// A worker killed with a container create on its way to the engine leaves that create to finish
// there after the kill: the cleanup must find that container too (one was left behind so, in
// state Created, by a CI run of the exclusive test).

test('a container whose create finishes after the killed process is gone is removed too, and counted', async () => {
  const docker = new Docker();
  const cleanup = new RunCleanup(newRunId(), docker, { processes: 'kill' });
  let created: Promise<unknown> | undefined;
  let alive = true;
  const worker: Stoppable = {
    isAlive: () => alive,
    stop: async () => worker.kill(),
    kill: async () => {
      alive = false;
      // the engine is still creating a container the worker asked for just before it died
      created = new Promise((resolve) => setTimeout(resolve, 100)).then(() =>
        docker.createContainer({ Image: TEST_IMAGE, Cmd: ['true'], Labels: cleanup.labels }),
      );
    },
  };
  cleanup.trackProcess(worker);
  try {
    const report = await cleanup.release();
    await created;
    assert.equal(report.processesStopped, 1);
    assert.equal(report.containersRemoved, 1, 'the late container was found and removed');
    assert.equal(report.containersLeft, 0);
    assert.deepEqual(await containersByLabel(docker, `${LABEL_TEST_RUN}=${cleanup.runId}`), []);
  } finally {
    await created?.catch(() => undefined);
    for (const id of await containersByLabel(docker, `${LABEL_TEST_RUN}=${cleanup.runId}`))
      await docker.getContainer(id).remove({ force: true });
  }
});
