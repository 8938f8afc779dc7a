import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import { TestCluster } from './helpers/cluster.js';
import { TEST_IMAGE } from './helpers/docker.js';
import { waitFor } from './helpers/wait-for.js';

// `poseidon run -p IP:HOST:CONTAINER` on a real manager and worker: the container's port is
// published on that host address alone (docker inspect's HostIp), as `docker run -p` does; the
// worker publishes on its --host (127.0.0.1 here) and never wider; status shows the address.

const run = promisify(execFile);

/** `docker inspect`'s bindings of the task's container. */
async function bindings(containerId: string): Promise<Record<string, Array<{ HostIp: string; HostPort: string }>>> {
  const { stdout } = await run('docker', ['inspect', '-f', '{{json .HostConfig.PortBindings}}', containerId]);
  return JSON.parse(stdout) as Record<string, Array<{ HostIp: string; HostPort: string }>>;
}

/** What an HTTP request to host:port gets back ('' when the connection is refused). */
function response(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => socket.end('GET / HTTP/1.0\r\n\r\n'));
    let got = '';
    socket.on('data', (chunk: Buffer) => (got += chunk.toString('latin1')));
    socket.on('close', () => resolve(got));
    socket.on('error', () => resolve(''));
  });
}

/** The first line of what an HTTP request to host:port gets back ('' when the connection is refused). */
async function firstLine(host: string, port: number): Promise<string> {
  return (await response(host, port)).split('\r\n')[0] ?? '';
}

describe('ports on one host address, on a real worker', () => {
  const c = new TestCluster();
  after(() => c.close());

  test('-p 127.0.0.1:PORT:80 is bound there; -p 127.0.0.2:PORT:80 there and not on 127.0.0.1', async () => {
    await c.startManager();
    await c.startWorker('a');
    const label = `poseidon.test-run=${c.runId}`;
    const httpd = [TEST_IMAGE, 'httpd', '-f', '-p', '80', '-h', '/'];
    const ids: string[] = [];
    for (const [name, publish] of [
      ['lo1', '127.0.0.1:7251:80'],
      ['lo2', '127.0.0.2:7252:80'],
    ] as const) {
      const out = await c.cli(['run', '--name', name, '-l', label, '-p', publish, ...httpd]);
      assert.equal(out.code, 0, out.stderr);
      ids.push(out.stdout.trim());
    }
    const [lo1, lo2] = await c.allInState(ids, 'Running');
    assert.deepEqual(await bindings(lo1?.containerId ?? ''), { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '7251' }] });
    assert.deepEqual(await bindings(lo2?.containerId ?? ''), { '80/tcp': [{ HostIp: '127.0.0.2', HostPort: '7252' }] });
    assert.deepEqual(lo2?.ports, [{ container: 80, host: 7252, protocol: 'tcp', hostIp: '127.0.0.2' }]);
    await waitFor(async () => (await firstLine('127.0.0.1', 7251)).startsWith('HTTP/1.'), { what: 'lo1 to answer' });
    await waitFor(async () => (await firstLine('127.0.0.2', 7252)).startsWith('HTTP/1.'), { what: 'lo2 to answer' });
    assert.equal(await firstLine('127.0.0.1', 7252), '', 'not published on the worker’s --host');

    const shown = await c.cli(['status', 'lo2']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Ports: +127\.0\.0\.2:7252->80\/tcp$/m);
    const table = await c.cli(['status']);
    assert.match(table.stdout, /lo1 .* 127\.0\.0\.1:7251->80\/tcp /);
  });

  test("an address wider than the worker's --host fails the start, saying why; an ended one publishes nothing", async () => {
    const label = `poseidon.test-run=${c.runId}`;
    const wide = await c.cli(
      ['run', '--name', 'wide', '-l', label, '--restart', 'never', '-p', '10.255.0.1:7253:80'].concat([
        TEST_IMAGE,
        'sleep',
        '600',
      ]),
    );
    assert.equal(wide.code, 0, wide.stderr);
    const [failed] = await c.allInState([wide.stdout.trim()], 'Failed');
    assert.match(
      failed?.reason ?? '',
      /host address 10\.255\.0\.1 is not one this worker publishes on \(its --host is 127\.0\.0\.1\)/,
    );

    const done = await c.cli(
      ['run', '--name', 'done', '-l', label, '--restart', 'never', '-p', '127.0.0.1:7254:80'].concat([
        TEST_IMAGE,
        'true',
      ]),
    );
    assert.equal(done.code, 0, done.stderr);
    await c.allInState([done.stdout.trim()], 'Completed');
    const shown = await c.cli(['status', 'done']);
    assert.match(shown.stdout, /^Ports: +- \(container ended\)$/m);
  });

  test('one host port on 127.0.0.1 and on 127.0.0.2: two tasks on the one worker, both Running, each answering there', async () => {
    const label = `poseidon.test-run=${c.runId}`;
    const ids: string[] = [];
    for (const [name, ip] of [
      ['same1', '127.0.0.1'],
      ['same2', '127.0.0.2'],
    ] as const) {
      // each serves its own name, so an answer says which task gave it
      const serve = `mkdir -p /tmp/www && echo ${name} > /tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www`;
      const out = await c.cli([
        'run',
        '--name',
        name,
        '-l',
        label,
        '-p',
        `${ip}:7455:80`,
        TEST_IMAGE,
        'sh',
        '-c',
        serve,
      ]);
      assert.equal(out.code, 0, out.stderr);
      ids.push(out.stdout.trim());
    }
    const [same1, same2] = await c.allInState(ids, 'Running');
    assert.ok(same1?.nodeId !== null && same1?.nodeId === same2?.nodeId, 'one worker holds both');
    for (const [ip, name] of [
      ['127.0.0.1', 'same1'],
      ['127.0.0.2', 'same2'],
    ] as const)
      await waitFor(async () => (await response(ip, 7455)).endsWith(`\r\n\r\n${name}\n`), {
        what: `${name} to answer on ${ip}:7455`,
      });
  });
});
