import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestCluster } from './helpers/cluster.js';
import { freePort } from './helpers/free-port.js';
import { serviceSpec, untilRolloutEnds, untilSettled, webTask } from './helpers/services.js';

// A start-first update where the node has room for one replica, not two: the slot goes
// stop-first, the update completes (instead of waiting out its deadline), and the rollout's
// status, the old replica's reason and one event say why. A real manager, one real worker.

describe('a start-first update with no node that has room for both versions', () => {
  const c = new TestCluster();
  before(async () => {
    await c.startManager();
    // room for one replica of 64 MiB, not two
    await c.startWorker('a', ['--memory', '96Mi']);
  });
  after(() => c.close());

  test('memory: the old replica stops first, the update completes, and status, events and --wait say why', async () => {
    const note = 'room-1 updated stop-first: no node has room for both versions';
    await c.client.createService(
      serviceSpec(c, 'room', { replicas: 1, update: { monitor: '1s' } }, webTask({ memory: '64Mi' })),
    );
    const [old] = await untilSettled(c, 'room', 1);
    const updated = await c.cli(['service', 'update', 'room', '--env', 'V=2', '--wait', '--timeout', '90s']);
    assert.equal(updated.code, 0, updated.stdout + updated.stderr);
    assert.match(updated.stdout, new RegExp(`^service room: completed: its replica runs version 2; ${note}$`, 'm'));
    const ended = await untilRolloutEnds(c, 'room');
    assert.equal(ended.update?.state, 'completed');
    assert.equal(ended.update?.reason, `its replica runs version 2; ${note}`);
    const [now] = await untilSettled(c, 'room', 1);
    assert.equal(now?.version, 2);
    assert.notEqual(now?.id, old?.id);
    const stopped = (await c.client.serviceTasks('room')).find((t) => t.id === old?.id);
    // the reason it was stopped with, or the one it ended with once gone (`replaced by version 2`) is not asked here
    assert.ok(stopped === undefined || stopped.desiredState === 'stopped', 'the old replica was stopped');
    const events = await c.cli(['events', '--since', '10m', '--until', 'now', '--service', 'room']);
    assert.equal(events.code, 0, events.stderr);
    const said = events.stdout.split('\n').filter((l) => l.includes('stop-first'));
    assert.equal(said.length, 1, events.stdout);
    assert.match(said[0] ?? '', new RegExp(`update\\.progress +room: version 1 → 2; 0/1 updated; ${note}$`));
    const inspect = await c.cli(['service', 'inspect', 'room']);
    assert.match(inspect.stdout, new RegExp(`^Rollout: +completed: .*; ${note}`, 'm'));
    await c.client.removeService('room');
  });

  test('a fixed host port with start-first written out: the update completes stop-first', async () => {
    const port = await freePort();
    const task = webTask({ ports: [{ container: 8080, host: port }] });
    const update = { monitor: '1s', order: 'start-first' };
    await c.client.createService(serviceSpec(c, 'port', { replicas: 1, update }, task));
    await untilSettled(c, 'port', 1);
    await c.client.updateService('port', serviceSpec(c, 'port', { replicas: 1, update }, { ...task, env: { V: '2' } }));
    const ended = await untilRolloutEnds(c, 'port');
    assert.equal(ended.update?.state, 'completed', ended.update?.reason);
    assert.match(ended.update?.reason ?? '', /port-1 updated stop-first: no node has room for both versions$/);
    const [now] = await untilSettled(c, 'port', 1);
    assert.equal(now?.version, 2);
    await c.client.removeService('port');
  });
});
