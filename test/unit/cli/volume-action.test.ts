import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Output } from '../../../src/cli/each-name.js';
import { listVolumes, removeVolumes } from '../../../src/cli/volume-action.js';

// `poseidon volume ls -q` and `volume rm NAME...`, as docker's take them, against a stand-in
// manager, their output captured.

let server: Server;
let url: string;
const requests: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const route = `${req.method} ${req.url}`;
      requests.push(route);
      const send = (status: number, body: unknown): void =>
        void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (route === 'GET /volumes')
        send(200, [
          { name: 'db-data', node: 'w1', nodeId: 'n1', createdAt: '2026-12-05T11:00:00Z', inUseBy: [] },
          { name: 'cache', node: 'w2', nodeId: 'n2', createdAt: '2026-12-05T11:00:00Z', inUseBy: [] },
        ]);
      else if (route === 'DELETE /volumes/db-data') send(200, { name: 'db-data', node: 'w1', nodeId: 'n1' });
      else if (route === 'DELETE /volumes/cache') send(200, { name: 'cache', node: 'w2', nodeId: 'n2' });
      else if (route === 'DELETE /volumes/used')
        send(409, {
          error: { code: 'volume_in_use', message: 'volume used is in use by task va (3da9a442); stop it first' },
        });
      else
        send(404, {
          error: {
            code: 'volume_not_found',
            message: 'no volume nope: the manager records a volume once a task that mounts it has run',
          },
        });
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

/** What `fn` printed on stdout and stderr, and the exit status it set (the one before is kept). */
async function run(fn: (io: Output) => Promise<void>): Promise<{ out: string; err: string; code: number | undefined }> {
  let out = '';
  let err = '';
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await fn({ out: (text) => (out += text), err: (text) => (err += text) });
    return { out, err, code: process.exitCode === undefined ? undefined : Number(process.exitCode) };
  } finally {
    process.exitCode = before;
  }
}

test('ls -q prints the names alone, one a line', async () => {
  assert.deepEqual(await run((io) => listVolumes({ manager: url, quiet: true }, io)), {
    out: 'db-data\ncache\n',
    err: '',
    code: undefined,
  });
});

test('rm removes each name in turn: one refused is said on stderr, the others still go, and the exit status is 1', async () => {
  requests.length = 0;
  const { out, err, code } = await run((io) =>
    removeVolumes(['nope', 'db-data', 'used', 'cache'], { manager: url }, io),
  );
  assert.deepEqual(requests, [
    'DELETE /volumes/nope',
    'DELETE /volumes/db-data',
    'DELETE /volumes/used',
    'DELETE /volumes/cache',
  ]);
  assert.equal(out, 'volume db-data removed from node w1\nvolume cache removed from node w2\n');
  assert.equal(
    err,
    'poseidon: no volume nope: the manager records a volume once a task that mounts it has run\n' +
      'poseidon: volume used is in use by task va (3da9a442); stop it first\n',
  );
  assert.equal(code, 1);
});

test('rm --json: the removed volume for one name, as before; an array for several', async () => {
  const one = await run((io) => removeVolumes(['cache'], { manager: url, json: true }, io));
  assert.deepEqual(JSON.parse(one.out), { name: 'cache', node: 'w2', nodeId: 'n2' });
  const two = await run((io) => removeVolumes(['cache', 'db-data'], { manager: url, json: true }, io));
  assert.deepEqual(
    (JSON.parse(two.out) as Array<{ name: string }>).map((v) => v.name),
    ['cache', 'db-data'],
  );
});
