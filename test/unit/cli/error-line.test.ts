import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { clusterText } from '../../../src/cli/cluster-action.js';
import { noteDefaultManager, noteUnusedLogin } from '../../../src/cli/credentials.js';
import { errorLine } from '../../../src/cli/error-line.js';
import { savedFor } from '../../../src/cli/manager-client.js';
import { ServerNotTrusted, ServerUnreachable } from '../../../src/client/index.js';
import { NetworkUnusable } from '../../../src/driver/index.js';
import { RemoteError } from '../../../src/errors/index.js';
import { refusalOf } from '../../../src/http/access-guard.js';

test('a manager whose certificate is not of the CA given: the line says how to give the right one', async () => {
  const err = new ServerNotTrusted(
    'https://10.0.0.5:5555',
    "its certificate is not issued by the cluster's CA (SELF_SIGNED_CERT_IN_CHAIN)",
  );
  assert.equal(
    await errorLine(err),
    "poseidon: the server at https://10.0.0.5:5555 is not trusted: its certificate is not issued by the cluster's CA " +
      "(SELF_SIGNED_CERT_IN_CHAIN): give the cluster's CA certificate with --ca FILE or POSEIDON_CA (the manager's " +
      '<data-dir>/ca.crt); poseidon login URL --token TOKEN --ca FILE saves it\n',
  );
  // a certificate of the right CA that names another address is another matter: no CA hint
  const name = new ServerNotTrusted('https://10.0.0.5:5555', 'its certificate does not name the address called');
  assert.equal(
    await errorLine(name),
    'poseidon: the server at https://10.0.0.5:5555 is not trusted: its certificate does not name the address called\n',
  );
});

test('saved credentials go to the managers they were saved for, any of a group, and no other', () => {
  const group = 'https://10.0.0.1:5555,https://10.0.0.2:5555,https://10.0.0.3:5555';
  assert.equal(savedFor(group, 'https://10.0.0.2:5555'), true);
  assert.equal(savedFor(group, 'https://10.0.0.3:5555/,https://10.0.0.1:5555'), true);
  assert.equal(savedFor('https://10.0.0.1:5555', 'https://10.0.0.1:5555'), true);
  assert.equal(savedFor('https://10.0.0.1:5555', group), false, 'a login to one manager is not one to its group');
  assert.equal(savedFor(group, 'https://10.0.0.2:5555,https://10.0.0.9:5555'), false);
  assert.equal(savedFor(group, 'https://localhost:5555'), false);
  assert.equal(savedFor(group, 'not a url'), false);
});

test('a refusal met without the saved credentials (they are for other managers) says so, not the general advice', async (t) => {
  t.after(() => noteUnusedLogin(undefined));
  noteUnusedLogin({ savedFor: 'https://10.0.0.1:5555', named: 'https://10.0.0.2:5555', from: 'POSEIDON_MANAGER' });
  const hint =
    'the credentials poseidon login saved are for https://10.0.0.1:5555, not https://10.0.0.2:5555 (POSEIDON_MANAGER): ' +
    "run poseidon login with the managers you call (a group's comma-separated), or pass --token and --ca\n";
  const untrusted = new ServerNotTrusted('https://10.0.0.2:5555', "its certificate is not issued by the cluster's CA");
  assert.equal(
    await errorLine(untrusted),
    `poseidon: the server at https://10.0.0.2:5555 is not trusted: its certificate is not issued by the cluster's CA: ${hint}`,
  );
  assert.equal(
    await errorLine(new RemoteError('unauthenticated', 401, 'no token')),
    `poseidon: 401: no token: ${hint}`,
  );
  // a scope refusal is not about which credentials were sent
  assert.match((await errorLine(new RemoteError('forbidden', 403, 'scope read'))) ?? '', /token create --scope/);
});

test('a refusal gets what to do; an unreachable manager its own words; anything else is a bug', async () => {
  assert.match(
    (await errorLine(new RemoteError('unauthenticated', 401, 'no token'))) ?? '',
    /401: no token: run `poseidon login/,
  );
  const away = new ServerUnreachable(
    'https://127.0.0.1:5555',
    'manager at https://127.0.0.1:5555: is `poseidon manager` running?',
  );
  assert.equal(
    await errorLine(away),
    'poseidon: cannot reach manager at https://127.0.0.1:5555: is `poseidon manager` running?\n',
  );
  assert.equal(await errorLine(new Error('boom')), undefined);
});

test("cluster status lines its columns up to the widest cell, ages the leader, shows each manager's version and one away, and sizes the store", () => {
  const text = clusterText(
    {
      leader: '1c3324d0-caf8-4d0b-9a4f-5b2e0c1d2e3f',
      managers: [
        {
          id: '1c3324d0-caf8-4d0b-9a4f-5b2e0c1d2e3f',
          url: 'https://127.0.0.1:6001',
          leader: true,
          since: '2026-12-03T10:00:00.000Z',
          version: '0.1.0',
        },
      ],
      store: {
        kind: 'etcd',
        members: [
          {
            endpoint: 'http://127.0.0.1:2379',
            healthy: true,
            leader: true,
            version: '3.4.23',
            dbSizeBytes: 20 * 2 ** 20,
            error: null,
          },
          {
            endpoint: 'http://127.0.0.1:22379',
            healthy: false,
            leader: false,
            version: null,
            dbSizeBytes: null,
            error: 'connection refused',
          },
        ],
      },
    },
    Date.parse('2026-12-03T10:05:00.000Z'),
    ['https://127.0.0.1:6002'],
  );
  assert.equal(
    text,
    [
      'MANAGER   URL                     ROLE         VERSION  SINCE',
      '1c3324d0  https://127.0.0.1:6001  leader       0.1.0    2026-12-03T10:00:00.000Z (5m ago)',
      '-         https://127.0.0.1:6002  unreachable  -        -',
      '',
      'STORE (etcd)',
      'MEMBER                  HEALTH     LEADER  VERSION  SIZE',
      'http://127.0.0.1:2379   healthy    yes     3.4.23   20 MiB',
      'http://127.0.0.1:22379  unhealthy  no      -        - (connection refused)',
      '',
    ].join('\n'),
  );
});

test('a port something else listens on is one line that says what to do, not a stack', async () => {
  const held = createServer();
  held.listen(0, '127.0.0.1');
  await once(held, 'listening');
  const { port } = held.address() as { port: number };
  const again = createServer();
  again.listen(port, '127.0.0.1');
  const [err] = (await once(again, 'error')) as [Error];
  held.close();
  assert.equal(
    await errorLine(err),
    `poseidon: cannot listen on 127.0.0.1:${port}: something else listens there (another poseidon?); stop it or ` +
      'choose another port (--port, --worker-port, --dns-port)\n',
  );
  assert.equal(await errorLine(new Error('a bug')), undefined, 'anything else keeps its stack');
});

test("a worker's network the engine would not make is one line with what to do, not a stack", async () => {
  const err = new NetworkUnusable(
    'network pn (10.215.0.0/24) could not be created: Pool overlaps with other one on this address space; ' +
      'start the worker with another --subnet, or remove Docker network other (10.215.0.0/16) (docker network ls)',
  );
  assert.equal(await errorLine(err), `poseidon: ${err.message}\n`);
});

test('an unreachable manager that nothing named (the default) says how to name one', async (t) => {
  t.after(() => noteDefaultManager(undefined));
  const away = new ServerUnreachable(
    'https://127.0.0.1:5555',
    'manager at https://127.0.0.1:5555: is `poseidon manager` running?',
  );
  noteDefaultManager('https://127.0.0.1:5555');
  assert.equal(
    await errorLine(away),
    'poseidon: cannot reach manager at https://127.0.0.1:5555: is `poseidon manager` running? (no manager was ' +
      'named, so https://127.0.0.1:5555 was tried: poseidon login URL --token TOKEN --ca FILE saves one, or pass ' +
      '--manager or set POSEIDON_MANAGER)\n',
  );
  assert.equal(
    await errorLine(new RemoteError('not_found', 404, 'no task matches "x"')),
    'poseidon: no task matches "x"\n',
    'only an unreachable manager',
  );
  noteDefaultManager(undefined);
  assert.equal(
    await errorLine(away),
    'poseidon: cannot reach manager at https://127.0.0.1:5555: is `poseidon manager` running?\n',
  );
});

test('a token whose scope does not allow the call: the scope needed said once, then who makes one and how', async () => {
  // the manager's own 403 (src/http/access-guard.ts), as the CLI gets it
  const { body, status } = refusalOf('POST /tasks', 'deploy', {
    kind: 'token',
    tokenId: '3f9a2c1b7e4d',
    scope: 'read',
  });
  const line = await errorLine(new RemoteError(body.error.code, status, body.error.message));
  assert.equal(
    line,
    'poseidon: 403: token 3f9a2c1b7e4d (scope read) may not call POST /tasks: it needs a token with scope deploy or ' +
      'above; an admin makes one: poseidon token create --scope deploy\n',
  );
  assert.equal(line?.match(/scope/g)?.length, 3, 'the token has scope read, it needs deploy: no "that scope" after it');
  const admin = refusalOf('POST /tokens', 'admin', { kind: 'token', tokenId: '3f9a2c1b7e4d', scope: 'deploy' });
  assert.match(
    (await errorLine(new RemoteError('forbidden', 403, admin.body.error.message))) ?? '',
    /it needs a token with scope admin; an admin makes one: poseidon token create --scope admin\n$/,
  );
  // a 403 that names no scope (a manager's other words): what to use, and how to make it
  assert.equal(
    await errorLine(new RemoteError('forbidden', 403, 'not yours')),
    'poseidon: 403: not yours: use a token whose scope allows it (an admin makes one: poseidon token create --scope SCOPE)\n',
  );
});
