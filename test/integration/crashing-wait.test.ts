import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestCluster } from './helpers/cluster.js';
import { TEST_IMAGE } from './helpers/docker.js';

// `service create --wait` for replicas that all crash, against a real manager and worker on the
// real engine: once the restart policy gave up on every slot's replica, and none is healthy, the
// wait ends with the last one's output and one line that says so, rather than run to its timeout.

describe('--wait for a service whose replicas all crash', () => {
  const c = new TestCluster();
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
  });
  after(() => c.close());

  test('service create --wait ends once every slot gave up, with the last output, exit 1', async () => {
    const label = `poseidon.test-run=${c.runId}`;
    // a broken wait would run to this bound (and fail on what it prints), never to the default 10m
    const args = ['service', 'create', '--name', 'crash', '--replicas', '2', '-l', label, '--timeout', '3m'];
    const command = ['sh', '-c', 'echo no such file: /etc/app.conf >&2; exit 3'];
    const r = await c.cli([...args, '--restart', 'on-failure:1', '--wait', TEST_IMAGE, ...command]);
    assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
    const node = c.workerName('a');
    assert.match(
      r.stderr,
      new RegExp(
        `^poseidon: crash-[12]'s last output \\(poseidon logs [0-9a-f]{8} for all of it\\):\\n` +
          '  no such file: /etc/app.conf\\n' +
          'poseidon: service crash: no replica became healthy: each of its 2 replicas failed until its restart ' +
          `policy gave up; the last, crash-[12] on ${node}: exited with code 3 \\(the service keeps replacing ` +
          'them: poseidon service ps crash, poseidon service logs crash; change it with poseidon service ' +
          'update crash\\)\\n$',
      ),
    );
    assert.doesNotMatch(r.stderr, /after \d+s/, 'no timeout');
    // the service is left as it is: it goes on replacing its replicas
    assert.equal((await c.client.getService('crash')).replicas, 2);
    assert.equal((await c.cli(['service', 'rm', 'crash'])).code, 0);
  });
});
