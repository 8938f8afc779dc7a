import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { TestCluster } from './helpers/cluster.js';
import { liveTasks, serviceSpec, untilRolloutEnds, untilSettled, webTask } from './helpers/services.js';

// A service whose replicas keep data in a named volume, constrained to labelled nodes: each slot
// has its own volume (`<name>-<slot>`), and an updated replica goes back to the node holding its
// slot's volume and finds what the replica before it wrote. Real manager, three real workers,
// real Docker.

const run = promisify(execFile);

async function readInContainer(containerId: string, path: string): Promise<string> {
  const { stdout } = await run('docker', ['exec', containerId, 'cat', path]);
  return stdout;
}

describe('a service with a volume per slot, on the nodes its constraint names', () => {
  const c = new TestCluster();
  before(async () => {
    await c.startManager(['--scheduler', 'roundrobin']);
    await c.startWorker('a', ['--label', 'zone=a']);
    await c.startWorker('b1', ['--label', 'zone=b']);
    await c.startWorker('b2', ['--label', 'zone=b']);
  });
  after(() => c.close());

  test('replicas run only in zone b; after an update each slot reads what its old replica wrote', async () => {
    const volume = `data-${c.runId}`;
    // each replica appends its version to the slot's volume, then serves it
    const command = [
      'sh',
      '-c',
      'echo "v$V" >> /data/history && mkdir -p /www && cp /data/history /www/index.html && exec httpd -f -p 8080 -h /www',
    ];
    const spec = (v: string): Record<string, unknown> =>
      serviceSpec(
        c,
        'db',
        { replicas: 2, constraints: ['node.labels.zone == b'], update: { monitor: '1s', order: 'stop-first' } },
        webTask({ command, env: { V: v }, volumes: [{ name: volume, path: '/data' }] }),
      );
    await c.client.createService(spec('1'));
    const first = await untilSettled(c, 'db', 2);
    const zoneB = new Set([c.workerName('b1'), c.workerName('b2')]);
    for (const t of first) assert.ok(zoneB.has(t.node ?? ''), `slot ${t.slot} on ${t.node}, not in zone b`);
    const nodeOfSlot = new Map(first.map((t) => [t.slot, t.node]));

    const volumes = await c.client.listVolumes();
    assert.deepEqual(
      volumes.map((v) => [v.name, v.node]).sort(),
      first.map((t) => [`${volume}-${t.slot}`, t.node]).sort(),
      "each slot's own volume, on its replica's node",
    );

    await c.client.updateService('db', spec('2'));
    const ended = await untilRolloutEnds(c, 'db');
    assert.equal(ended.update?.state, 'completed', ended.update?.reason);
    const updated = await untilSettled(c, 'db', 2);
    for (const t of updated) {
      assert.equal(t.version, 2);
      assert.equal(t.node, nodeOfSlot.get(t.slot), `slot ${t.slot} went back to the node holding its volume`);
      assert.ok(t.containerId !== null);
      assert.equal(await readInContainer(t.containerId, '/data/history'), 'v1\nv2\n');
    }
    assert.equal((await liveTasks(c, 'db')).length, 2);
    await c.client.removeService('db');
  });
});
