import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { VolumeDetailView } from '../../src/api/index.js';
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
    // volume inspect: which replica of which service mounts it, and on which node
    const slot1 = first.find((t) => t.slot === 1);
    const inspected = await c.cli(['volume', 'inspect', `${volume}-1`, '--json']);
    assert.equal(inspected.code, 0, inspected.stderr);
    const detail = JSON.parse(inspected.stdout) as VolumeDetailView;
    assert.deepEqual(
      [detail.node, detail.users.map((u) => [u.id, u.service, u.slot, u.node])],
      [slot1?.node, [[slot1?.id, 'db', 1, slot1?.node]]],
    );
    const shown = await c.cli(['volume', 'inspect', `${volume}-1`]);
    assert.match(shown.stdout, /^Used by:\s+service db \(1 replica\)$/m);
    assert.match(shown.stdout, new RegExp(`^${slot1?.id.slice(0, 8)} +db-1 +db +1 +Running +${slot1?.node}$`, 'm'));
    // stopping a replica only starts another: volume rm says what frees it
    const refused = await c.cli(['volume', 'rm', `${volume}-1`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /in use by a replica of service db .*\(poseidon service rm db\) or update it/);
    assert.doesNotMatch(refused.stderr, /stop it first/);

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
