import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { removeNetworksByLabel } from '../../src/driver/index.js';
import { POSEIDON_BIN, ProcessNotListening, spawnWorker } from '../../testkit/spawner.js';
import { TestCluster } from './helpers/cluster.js';

// A worker given a --subnet its host routes elsewhere (a LAN, a VPN) refuses to start, naming the
// route and its interface, before it makes any network. The host's own routes are never touched:
// the worker runs in a network namespace of the test's own (`unshare --net`, root only), where a
// bridge of the test's holds a route to the block, and reaches the host's Docker engine through its
// socket, a file. It joins its cluster first, on the host, and keeps its certificate: in the
// namespace it needs no manager to start. Docker's own networks are the engine's to refuse
// (test/integration/network-subnet.test.ts).

const unavailable =
  spawnSync('unshare', ['--net', 'true']).status === 0 ? undefined : 'needs `unshare --net` (root on Linux)';

describe('a worker --subnet the host routes elsewhere', { skip: unavailable ?? false }, () => {
  const c = new TestCluster();
  const network = `pr${randomBytes(4).toString('hex')}`;
  const block = `10.237.${randomInt(64, 250)}.0/24`;
  const docker = new Docker();

  before(() => c.startManager());
  after(async () => {
    await c.close();
    // made only if the refusal failed: this run's network, by its Poseidon label
    await removeNetworksByLabel(docker, `poseidon.network=${network}`);
  });

  test('exits with one line naming the flag, the route and its interface, and makes no network', async () => {
    const name = c.workerName('routed');
    const dataDir = join(c.dir, name);
    // the join: its certificate saved, the worker refuses Docker's default network, not its own
    const args = ['--port', '0', '--name', name, '--data-dir', dataDir, '--network', 'bridge'];
    const joined = await spawnWorker(c.access, args, { onSpawn: (p) => c.track(p) }).catch((x: unknown) => x);
    assert.ok(joined instanceof ProcessNotListening, String(joined));
    assert.match(joined.message, /network bridge exists on this engine and is not Poseidon's/);

    const gateway = block.replace(/0\/24$/, '1/24');
    const setUp = `ip link add lan1 type bridge && ip addr add ${gateway} dev lan1 && ip link set lan1 up`;
    const worker = `exec "$0" "$@"`;
    const child = spawn(
      'unshare',
      [
        '--net',
        'sh',
        '-c',
        `${setUp} && ${worker}`,
        process.execPath,
        POSEIDON_BIN,
        'worker',
        '--port',
        '0',
        '--name',
        name,
        '--data-dir',
        dataDir,
        '--network',
        network,
        '--subnet',
        block,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      // started after all: stopped here, and the test fails below
      if (output.includes('worker listening')) child.kill('SIGTERM');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1, output);
    const line = output.split('\n').find((l) => l.startsWith('poseidon: ')) ?? '';
    assert.match(
      line,
      new RegExp(
        `^poseidon: --subnet ${block.replaceAll('.', '\\.')} overlaps the route ${block.replaceAll('.', '\\.')} on ` +
          'lan1 of this host; start the worker with a --subnet it does not route',
      ),
    );
    assert.doesNotMatch(output, /at .*\.js:\d+/, 'no stack trace');
    assert.equal((await docker.listNetworks({ filters: { name: [network] } })).length, 0);
  });
});
