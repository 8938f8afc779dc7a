import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import type { NodeStatusView, VolumeView } from '../../src/api/index.js';
import { ManagerClient, WorkerClient } from '../../src/client/index.js';
import { PoseidonError } from '../../src/errors/index.js';
import { asManager } from '../../testkit/manager-access.js';
import { freePort } from './helpers/free-port.js';
import { TestCluster } from './helpers/cluster.js';
import { waitFor } from './helpers/wait-for.js';
import { TEST_IMAGE } from './helpers/docker.js';

// Placement by node labels and constraints, named volumes that keep their tasks on their node,
// host paths a worker must allow, and volume removal: a real manager, real workers and real Docker.

const run = promisify(execFile);

/** `docker volume inspect`: the volume's labels, or null when the engine has no such volume. */
async function volumeLabels(name: string): Promise<Record<string, string> | null> {
  try {
    const { stdout } = await run('docker', ['volume', 'inspect', '-f', '{{json .Labels}}', name]);
    return JSON.parse(stdout) as Record<string, string>;
  } catch {
    return null;
  }
}

async function rejection(p: Promise<unknown>): Promise<PoseidonError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PoseidonError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('placement: labels, constraints and volumes on real workers', () => {
  const clusters: TestCluster[] = [];
  const cluster = async (): Promise<TestCluster> => {
    const c = new TestCluster();
    clusters.push(c);
    await c.startManager(['--scheduler', 'roundrobin']);
    return c;
  };
  after(async () => {
    for (const c of clusters) await c.close();
  });

  test('a host port another container holds keeps tasks asking for it off the node until it is freed', async () => {
    const c = await cluster();
    await c.startWorker('a');
    const port = await freePort();
    // held on the one address it is bound on: the worker's --host, 127.0.0.1
    const key = `127.0.0.1:${port}/tcp`;
    // a plain container, not Poseidon's, publishing the port where the worker publishes (labelled for cleanup)
    const labels = Object.entries(c.task('x').labels as Record<string, string>).flatMap(([k, v]) => [
      '--label',
      `${k}=${v}`,
    ]);
    const squatter = (
      await run('docker', ['run', '-d', ...labels, '-p', `127.0.0.1:${port}:80`, TEST_IMAGE, 'sleep', '600'])
    ).stdout.trim();
    const node = await waitFor(async () => (await c.client.listNodes()).find((n) => n.portsInUse.includes(key)), {
      what: `the node to report ${key} in use`,
      timeoutMs: 30_000,
    });
    assert.equal(node.name, c.workerName('a'));
    const shown = JSON.parse((await c.cli(['node', '--json'])).stdout) as NodeStatusView[];
    assert.ok(shown[0]?.portsInUse.includes(key), 'node --json shows it');

    const asks = await c.client.submit(c.task('asks-port', { ports: [{ container: 80, host: port }] }));
    const reason = `0/1 nodes can run asks-port: 1 host port ${key} held outside Poseidon`;
    const waiting = await waitFor(
      async () => {
        const t = await c.client.getTask(asks.id);
        if (t.reason !== reason) throw new Error(`${t.state}: ${t.reason}`);
        return t;
      },
      { what: `the task to wait, saying: ${reason}`, timeoutMs: 30_000 },
    );
    assert.equal(waiting.state, 'Pending');
    assert.equal(waiting.restarts, 0, 'never placed, so never failed');

    await run('docker', ['rm', '-f', squatter]);
    const [running] = await c.allInState([asks.id], 'Running', 60_000);
    assert.equal(running?.node, c.workerName('a'));
    assert.deepEqual(running?.ports, [{ container: 80, host: port, protocol: 'tcp' }]);
    // the task's own port is Poseidon's to count, never reported as held outside
    const after = await c.client.listNodes();
    assert.ok(!(after[0]?.portsInUse ?? []).includes(key), `${key} is not reported once the task holds it`);
  });

  test('a YAML task file constrained to zone=b lands on the worker labelled so; one no node matches stays Pending', async () => {
    const c = await cluster();
    await c.startWorker('a', ['--label', 'zone=a', '--label', 'disk=ssd']);
    await c.startWorker('b', ['--label', 'zone=b']);
    const nodes = JSON.parse((await c.cli(['node', '--json'])).stdout) as NodeStatusView[];
    assert.deepEqual(
      nodes.map((n) => [n.name, n.labels]),
      [
        [c.workerName('a'), { zone: 'a', disk: 'ssd' }],
        [c.workerName('b'), { zone: 'b' }],
      ],
    );
    assert.match((await c.cli(['node'])).stdout, /LABELS[\s\S]*disk=ssd,zone=a|zone=a,disk=ssd/);

    const file = join(c.dir, 'zoned.yaml');
    const labels = Object.entries(c.task('x').labels as Record<string, string>)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      await writeFile(
        file,
        [
          `name: zoned-${i}`,
          'image: poseidon/busybox:latest',
          'command: [sleep, "600"]',
          'constraints:',
          '  - node.labels.zone == b',
          'labels:',
          labels,
          '',
        ].join('\n'),
      );
      const submitted = await c.cli(['run', file, '--json']);
      assert.equal(submitted.code, 0, submitted.stderr);
      ids.push((JSON.parse(submitted.stdout) as { id: string }).id);
    }
    const tasks = await c.allInState(ids, 'Running');
    for (const t of tasks) assert.equal(t.node, c.workerName('b'));

    const nowhere = await c.client.submit(c.task('nowhere', { constraints: ['node.labels.zone == c'] }));
    // the reason as the last pass wrote it: a node that missed a beat on a busy machine counts as down for a moment
    const reason = '0/2 nodes can run nowhere: 2 nodes do not match node.labels.zone == c';
    const waiting = await waitFor(
      async () => {
        const t = await c.client.getTask(nowhere.id);
        if (t.reason !== reason) throw new Error(`${t.state}: ${t.reason}`); // what it last saw, if it times out
        return t;
      },
      { what: `the unmatched task to say: ${reason}`, timeoutMs: 30_000 },
    );
    assert.equal(waiting.state, 'Pending');

    const bad = await c.cli([
      'run',
      await writeAndName(c, 'bad.yaml', 'name: bad\nimage: a\nconstraints: ["zone = a"]\n'),
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /constraints\[0\] must be a rule such as "node\.labels\.zone == a"/);
  });

  test('a task writes to a named volume, exits 1, and its restart reads the file back on the same node', async () => {
    const c = await cluster();
    await c.startWorker('a');
    await c.startWorker('b');
    const volume = `v-${c.runId}`;
    const script =
      'if [ -f /data/marker ]; then cat /data/marker; exit 0; fi; echo kept-$POSEIDON_TASK_NAME > /data/marker; exit 1';
    const submitted = await c.client.submit(
      c.task('writer', {
        command: ['sh', '-c', script],
        volumes: [{ name: volume, path: '/data' }],
        restartPolicy: { mode: 'on-failure', backoff: { initial: '100ms' } },
      }),
    );
    const done = await waitFor(
      async () => {
        const t = await c.client.getTask(submitted.id);
        return t.state === 'Completed' || (t.state === 'Failed' && t.restartAt === null) ? t : undefined;
      },
      { timeoutMs: 60_000, what: 'the writer to finish' },
    );
    assert.equal(done.state, 'Completed', done.reason);
    assert.equal(done.exitCode, 0);
    assert.equal(done.restarts, 1);
    const volumes = await c.client.listVolumes();
    assert.deepEqual(
      volumes.map((v) => [v.name, v.node]),
      [[volume, done.node]],
    );
    // the second run found what the first wrote
    const logs = await waitFor(async () => {
      const text = (await c.cli(['logs', submitted.id])).stdout;
      return text.includes('kept-writer') ? text : undefined;
    });
    assert.match(logs, /kept-writer/);
    // created by the engine's local driver, labelled as Poseidon's and its worker's
    assert.deepEqual(await volumeLabels(volume), { 'poseidon.volume': 'true', 'poseidon.worker': done.node });

    // round-robin alone would alternate: every task that mounts the volume goes to its node
    const readers: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await c.client.submit(
        c.task(`reader-${i}`, {
          command: ['cat', '/data/marker'],
          volumes: [{ name: volume, path: '/data', readOnly: true }],
          restartPolicy: { mode: 'never' },
        }),
      );
      readers.push(r.id);
    }
    for (const t of await c.allInState(readers, 'Completed')) {
      assert.equal(t.node, done.node);
      assert.equal(t.exitCode, 0);
    }
  });

  test('a host path is refused by a worker that does not allow it, and mounted by one that does', async () => {
    const c = await cluster();
    await c.startWorker('closed');
    const allowed = join(c.dir, 'host', 'srv');
    await mkdir(join(allowed, 'app'), { recursive: true });
    const body = (name: string, hostPath: string): Record<string, unknown> =>
      c.task(name, {
        command: ['sh', '-c', 'echo written-by-task > /mnt/out.txt'],
        volumes: [{ hostPath, path: '/mnt' }],
        restartPolicy: { mode: 'never' },
      });
    const first = await c.client.submit(body('hostwrite', join(allowed, 'app')));
    const waiting = await waitFor(async () => {
      const t = await c.client.getTask(first.id);
      return t.reason.includes('allow') ? t : undefined;
    });
    assert.equal(waiting.state, 'Pending');
    assert.equal(
      waiting.reason,
      `0/1 nodes can run hostwrite: 1 node does not allow host path ${join(allowed, 'app')}`,
    );
    // the worker refuses it too, whoever sends it (here the manager's own certificate)
    const closed = new WorkerClient(c.workers.get('closed')?.url ?? '', 10_000, { tls: asManager(c.access) });
    const refused = await rejection(closed.startTask(body('direct', join(allowed, 'app'))));
    assert.equal(refused.code, 'invalid_request');
    assert.match(
      refused.message,
      /volumes\[0\]\.hostPath .* is not under a directory this worker allows.*it allows none/,
    );

    await c.startWorker('open', ['--allow-host-path', allowed]);
    const ran = (await c.allInState([first.id], 'Completed', 60_000))[0];
    assert.equal(ran?.node, c.workerName('open'));
    assert.equal(ran?.exitCode, 0);
    assert.equal((await readFile(join(allowed, 'app', 'out.txt'), 'utf8')).trim(), 'written-by-task');
    const nodes = await c.client.listNodes();
    assert.deepEqual(nodes.find((n) => n.name === c.workerName('open'))?.allowedHostPaths, [allowed]);

    // `..` does not lead out of the allowed directory: no node takes it, and the open worker refuses it
    const escape = await c.client.submit(body('escape', `${allowed}/../..`));
    const stuck = await waitFor(async () => {
      const t = await c.client.getTask(escape.id);
      return t.reason.includes('allow') ? t : undefined;
    });
    assert.equal(stuck.state, 'Pending');
    assert.match(stuck.reason, /2 nodes do not allow host path/);
    const open = new WorkerClient(c.workers.get('open')?.url ?? '', 10_000, { tls: asManager(c.access) });
    assert.equal((await rejection(open.startTask(body('direct2', `${allowed}/../..`)))).code, 'invalid_request');
  });

  test('volume rm is refused while a task uses the volume, and removes it from its node once the task stopped', async () => {
    const c = await cluster();
    await c.startWorker('a');
    const volume = `r-${c.runId}`;
    const t = await c.client.submit(c.task('holder', { volumes: [{ name: volume, path: '/data' }] }));
    await c.allInState([t.id], 'Running');
    const listed = await waitFor(async () => {
      const out = await c.cli(['volume', 'ls', '--json']);
      const vs = JSON.parse(out.stdout) as VolumeView[];
      return vs.length > 0 ? vs : undefined;
    });
    assert.deepEqual(
      listed.map((v) => [v.name, v.node, v.inUseBy]),
      [[volume, c.workerName('a'), [t.id]]],
    );
    assert.match((await c.cli(['volume', 'ls'])).stdout, new RegExp(`NAME +NODE +CREATED +IN USE BY\\n${volume} `));

    const refused = await c.cli(['volume', 'rm', volume]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`volume ${volume} is in use by task ${t.id}`));
    assert.equal((await rejection(c.client.removeVolume(volume))).code, 'volume_in_use');
    assert.notEqual(await volumeLabels(volume), null);
    // a read token lists volumes but may not remove one (that takes deploy)
    const { token } = await c.client.createToken({ scope: 'read', name: 'reader' });
    const reader = new ManagerClient(c.access.url, undefined, { token, tls: { ca: c.access.caPem } });
    assert.equal((await reader.listVolumes())[0]?.name, volume);
    assert.equal((await rejection(reader.removeVolume(volume))).code, 'forbidden');

    await c.client.stopTask(t.id);
    await c.allInState([t.id], 'Completed');
    const removed = await c.cli(['volume', 'rm', volume]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout.trim(), `volume ${volume} removed from node ${c.workerName('a')}`);
    assert.equal(await volumeLabels(volume), null);
    assert.deepEqual(await c.client.listVolumes(), []);
    const again = await c.cli(['volume', 'rm', volume, '--json']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`no volume ${volume}`));
  });
});

async function writeAndName(c: TestCluster, name: string, text: string): Promise<string> {
  const path = join(c.dir, name);
  await writeFile(path, text);
  return path;
}
