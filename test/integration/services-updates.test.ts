import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestCluster } from './helpers/cluster.js';
import {
  HTTPD,
  liveTasks,
  sampleHealthy,
  serviceSpec,
  untilRolloutEnds,
  untilSettled,
  webTask,
} from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

// Rolling updates with a real manager, three real workers and real Docker: replicas are busybox
// web servers with an http health check, so "healthy" is what their check says.

describe('rolling updates with a real manager and three real workers', () => {
  const c = new TestCluster();
  before(async () => {
    await c.startManager();
    for (const w of ['a', 'b', 'c']) await c.startWorker(w);
  });
  after(() => c.close());

  test('6 replicas, parallelism 2, stop-first: never fewer than 4 healthy, and all end on the new version', async () => {
    const update = { parallelism: 2, order: 'stop-first', monitor: '1s' };
    await c.client.createService(serviceSpec(c, 'roll', { replicas: 6, update }, webTask()));
    await untilSettled(c, 'roll', 6);
    const sampler = sampleHealthy(c, 'roll');
    const started = await c.client.updateService(
      'roll',
      serviceSpec(c, 'roll', { replicas: 6, update }, webTask({ env: { V: '2' } })),
    );
    assert.equal(started.version, 2);
    const ended = await untilRolloutEnds(c, 'roll');
    await untilSettled(c, 'roll', 6);
    const seen = await sampler.stop();
    assert.equal(ended.update?.state, 'completed', ended.update?.reason);
    assert.ok(seen.length > 10, `sampled ${seen.length} times`);
    assert.ok(Math.min(...seen) >= 4, `fewest healthy seen: ${Math.min(...seen)} (${seen.join(' ')})`);
    assert.deepEqual(
      (await liveTasks(c, 'roll')).map((t) => [t.slot, t.version]),
      [1, 2, 3, 4, 5, 6].map((s) => [s, 2]),
    );
    await c.client.removeService('roll');
  });

  test('a single replica updated start-first is never down', async () => {
    await c.client.createService(serviceSpec(c, 'single', { replicas: 1, update: { monitor: '1s' } }, webTask()));
    await untilSettled(c, 'single', 1);
    const sampler = sampleHealthy(c, 'single');
    await c.client.updateService(
      'single',
      serviceSpec(c, 'single', { replicas: 1, update: { monitor: '1s' } }, webTask({ env: { V: '2' } })),
    );
    const ended = await untilRolloutEnds(c, 'single');
    const [t] = await untilSettled(c, 'single', 1);
    const seen = await sampler.stop();
    assert.equal(ended.update?.state, 'completed');
    assert.equal(t?.version, 2);
    assert.ok(seen.length > 5);
    assert.ok(Math.min(...seen) >= 1, `healthy seen: ${seen.join(' ')}`);
    await c.client.removeService('single');
  });

  test('an update whose new version exits 1 rolls back on its own and ends on the old version', async () => {
    await c.client.createService(serviceSpec(c, 'bad', { replicas: 3, update: { monitor: '1s' } }, webTask()));
    await untilSettled(c, 'bad', 3);
    await c.client.updateService(
      'bad',
      serviceSpec(c, 'bad', { replicas: 3, update: { monitor: '1s' } }, webTask({ command: ['sh', '-c', 'exit 1'] })),
    );
    const ended = await untilRolloutEnds(c, 'bad');
    assert.equal(ended.update?.state, 'rolled_back');
    assert.match(ended.update?.reason ?? '', /^back on version 1: replica \d of version 2 failed/);
    assert.equal(ended.version, 1);
    const live = await untilSettled(c, 'bad', 3);
    assert.deepEqual(
      live.map((t) => t.version),
      [1, 1, 1],
    );
    await c.client.removeService('bad');
  });

  test('a rollback that fails too pauses as rollback_paused, with its own reason; ls and inspect say so', async () => {
    // version 2 leaves a mark in the slot's volume and fails; version 1, rolled back to, refuses to start on it
    const volumes = [{ name: `mark-${c.runId}`, path: '/data' }];
    const v1 = webTask({ command: ['sh', '-c', `test -f /data/broken && exit 1; ${HTTPD[2]}`], volumes });
    const v2 = webTask({ command: ['sh', '-c', 'touch /data/broken; exit 1'], volumes });
    const update = { monitor: '1s' };
    await c.client.createService(serviceSpec(c, 'back', { replicas: 1, update }, v1));
    await untilSettled(c, 'back', 1);
    await c.client.updateService('back', serviceSpec(c, 'back', { replicas: 1, update }, v2));
    const ended = await untilRolloutEnds(c, 'back');
    assert.equal(ended.update?.state, 'rollback_paused', ended.update?.reason);
    assert.equal(ended.version, 1, 'on the version it rolled back to');
    assert.deepEqual([ended.update?.fromVersion, ended.update?.toVersion], [2, 1]);
    assert.match(ended.update?.reason ?? '', /^replica 1 of version 1 failed: /);
    assert.doesNotMatch(ended.update?.reason ?? '', /version 2/, "the rollback's reason, not the update's");
    assert.doesNotMatch(ended.update?.reason ?? '', /restarting in/, 'no restart that was planned then');
    const inspect = await c.cli(['service', 'inspect', 'back']);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, /^Rollout:\s+rollback paused: version 2 → 1, .*; replica 1 of version 1 failed: /m);
    const ls = await c.cli(['service', 'ls']);
    assert.match(ls.stdout, /^back .* rollback paused: replica 1 of version 1 failed: /m);
    await c.client.removeService('back');
  });

  test('a health check that never passes ends the update at its progress deadline, paused with the reason', async () => {
    const update = { monitor: '1s', progressDeadline: '6s', failureAction: 'pause' };
    await c.client.createService(serviceSpec(c, 'stuck', { replicas: 1, update }, webTask()));
    const [old] = await untilSettled(c, 'stuck', 1);
    const never = webTask({
      healthCheck: { type: 'http', port: 8080, path: '/missing', interval: '300ms', startPeriod: '1h' },
    });
    const started = await c.client.updateService('stuck', serviceSpec(c, 'stuck', { replicas: 1, update }, never));
    const ended = await untilRolloutEnds(c, 'stuck');
    assert.equal(ended.update?.state, 'paused');
    assert.match(ended.update?.reason ?? '', /progress deadline/);
    assert.ok(ended.update !== null && ended.update.finishedAt !== null);
    assert.equal(ended.update.deadline, started.update?.deadline);
    assert.ok(Date.parse(ended.update.finishedAt) >= Date.parse(ended.update.deadline), 'ended by its deadline');
    const [kept] = await untilSettled(c, 'stuck', 1);
    assert.equal(kept?.id, old?.id, 'the old replica kept serving throughout');
    await c.client.removeService('stuck');
  });

  test('a manager restarted in the middle of an update carries on from where it was', async () => {
    const update = { parallelism: 1, monitor: '2s' };
    await c.client.createService(serviceSpec(c, 'carry', { replicas: 4, update }, webTask()));
    await untilSettled(c, 'carry', 4);
    await c.client.updateService(
      'carry',
      serviceSpec(c, 'carry', { replicas: 4, update }, webTask({ env: { V: '2' } })),
    );
    const midway = await waitFor(
      async () => {
        const s = await c.client.getService('carry');
        return s.update !== null && s.update.updated >= 1 && s.update.state === 'updating' ? s : undefined;
      },
      { timeoutMs: 60_000, what: 'one slot updated' },
    );
    await c.restartManager();
    const reloaded = await c.client.getService('carry');
    assert.equal(reloaded.version, 2);
    assert.ok((reloaded.update?.updated ?? 0) >= (midway.update?.updated ?? 0), 'progress was kept');
    const ended = await untilRolloutEnds(c, 'carry');
    assert.equal(ended.update?.state, 'completed');
    assert.equal(ended.update?.startedAt, midway.update?.startedAt, 'the same rollout');
    const live = await untilSettled(c, 'carry', 4);
    assert.deepEqual(
      live.map((t) => t.version),
      [2, 2, 2, 2],
    );
    await c.client.removeService('carry');
  });
});
