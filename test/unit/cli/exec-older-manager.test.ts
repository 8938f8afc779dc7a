import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { ExecLine } from '../../../src/api/index.js';
import { openExec } from '../../../src/cli/exec-action.js';
import { ManagerClient } from '../../../src/client/index.js';
import { olderExec } from '../../helpers/older-exec.js';

// A CLI newer than its manager: the manager refuses the exec fields it does not know, as its
// schema refuses any unknown field. A plain exec is asked again as text; one that needs a newer
// manager (-i, -t, -u, -w, -e) says so, naming the flags.

let server: Server;
let client: ManagerClient;
const bodies: unknown[] = [];

before(async () => {
  server = createServer(olderExec('{"stdout":"h\\u00e9\\n"}\n{"exitCode":0}\n', bodies));
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  client = new ManagerClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
after(() => server.close());

test('a plain exec against an older manager is asked again as text', async () => {
  bodies.length = 0;
  const { lines, encoding } = await openExec(
    client,
    'web',
    { command: ['echo'], encoding: 'base64' },
    new AbortController().signal,
  );
  const got: ExecLine[] = [];
  for await (const l of lines) got.push(l);
  assert.equal(encoding, 'utf8');
  assert.deepEqual(got, [{ stdout: 'hé\n' }, { exitCode: 0 }]);
  assert.deepEqual(bodies, [{ command: ['echo'], encoding: 'base64' }, { command: ['echo'] }]);
});

test('an exec with flags an older manager lacks is refused naming them, and not run without them', async () => {
  bodies.length = 0;
  await assert.rejects(
    openExec(
      client,
      'web',
      { command: ['sh'], encoding: 'base64', stdin: true, tty: true, user: 'root' },
      new AbortController().signal,
    ),
    { message: 'the manager is older than this CLI and runs no exec with -i, -t, -u: upgrade it, or leave them out' },
  );
  assert.equal(bodies.length, 1, 'asked once');
});

test('exec -d against an older manager is refused naming -d, not run attached instead', async () => {
  bodies.length = 0;
  await assert.rejects(
    openExec(
      client,
      'web',
      { command: ['sleep', '60'], encoding: 'base64', detach: true },
      new AbortController().signal,
    ),
    { message: 'the manager is older than this CLI and runs no exec with -d: upgrade it, or leave them out' },
  );
  assert.equal(bodies.length, 1, 'asked once');
});
