import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { saveCredentials } from '../../../src/cli/credentials.js';
import { managerClient, readCa, savedFor } from '../../../src/cli/manager-client.js';
import { loopbackTls } from '../../../testkit/test-tls.js';

// The CA certificate the CLI is given (--ca, POSEIDON_CA, or the file login saved): one that cannot
// be read names where it came from and says why in words, not as Node's `(ENOENT)`.

test('a CA file that cannot be read names the flag or variable that gave it, and why in words', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-ca-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const missing = join(dir, 'ca.crt');
  assert.throws(() => readCa({ value: missing, from: '--ca' }), {
    message: `--ca names ${missing}, which cannot be read: no such file or directory; check the path`,
  });
  assert.throws(() => readCa({ value: dir, from: 'POSEIDON_CA' }), {
    message: `POSEIDON_CA names ${dir}, which cannot be read: it is a directory; give a file`,
  });
  // a file that is no certificate (the token, a key, a host name) was sent on, and the manager's
  // certificate was said not to be the CA's
  const other = join(dir, 'admin-token');
  await writeFile(other, 'psdn_0123\n');
  assert.throws(() => readCa({ value: other, from: '--ca' }), {
    message:
      `--ca names ${other}, which holds no PEM certificate; give the cluster's CA certificate ` +
      "(the manager's <data-dir>/ca.crt)",
  });
});

// Where the CLI finds its manager (--manager, POSEIDON_MANAGER, the saved login): each takes HOST,
// HOST:PORT or a URL, as server-address.ts reads them, and the saved login's token goes to the
// manager it names however either side wrote it.

test('--manager and POSEIDON_MANAGER take HOST (port 5555) and HOST:PORT, both https; a bad one names its source', () => {
  const env = process.env.POSEIDON_MANAGER;
  const xdg = process.env.XDG_CONFIG_HOME;
  // no saved login here: what the flag or the variable says is all there is
  process.env.XDG_CONFIG_HOME = join(tmpdir(), 'poseidon-no-login');
  try {
    assert.equal(managerClient({ manager: '10.0.0.5' }).baseUrl, 'https://10.0.0.5:5555');
    process.env.POSEIDON_MANAGER = '10.0.0.5:7000,[::1]';
    assert.deepEqual(managerClient({}).http.urls, ['https://10.0.0.5:7000', 'https://[::1]:5555']);
    process.env.POSEIDON_MANAGER = '10.0.0.5:x';
    assert.throws(() => managerClient({}), { message: /^POSEIDON_MANAGER is "10\.0\.0\.5:x"; use HOST, HOST:PORT/ });
    assert.throws(() => managerClient({ manager: '::1' }), {
      message: '--manager is "::1"; put an IPv6 address in brackets: [::1]:5555',
    });
  } finally {
    restore('POSEIDON_MANAGER', env);
    restore('XDG_CONFIG_HOME', xdg);
  }
});

test('the saved login: its manager as HOST:PORT is https, and its token goes to it however a flag writes it', async (t) => {
  const tls = await loopbackTls();
  // answers GET /whoami with the token it was sent, as the name: the test sees what went
  const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ...TOKEN_VIEW, name: req.headers.authorization ?? '' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-saved-login-'));
  const env = { xdg: process.env.XDG_CONFIG_HOME, manager: process.env.POSEIDON_MANAGER };
  t.after(async () => {
    server.close();
    restore('XDG_CONFIG_HOME', env.xdg);
    restore('POSEIDON_MANAGER', env.manager);
    await rm(dir, { recursive: true, force: true });
  });
  process.env.XDG_CONFIG_HOME = dir;
  delete process.env.POSEIDON_MANAGER;
  const port = (server.address() as AddressInfo).port;
  await writeFile(join(dir, 'ca.crt'), tls.ca ?? '');
  // a file written by hand, with no scheme
  saveCredentials({ manager: `127.0.0.1:${port}`, token: 'psdn_saved', ca: join(dir, 'ca.crt') });
  assert.equal((await managerClient({}).whoami()).name, 'Bearer psdn_saved');
  // the same manager named by a flag, as a URL: the saved token and CA go with it
  const flagged = managerClient({ manager: `https://127.0.0.1:${port}/` });
  assert.equal((await flagged.whoami()).name, 'Bearer psdn_saved');
  assert.equal(savedFor(`127.0.0.1:${port}`, `https://127.0.0.1:${port}`), true);
  assert.equal(savedFor('10.0.0.5', 'https://10.0.0.5:5555'), true);
  assert.equal(savedFor('10.0.0.5', 'https://10.0.0.5'), false, 'port 443 is another manager');
});

const TOKEN_VIEW = {
  id: 'abc123',
  scope: 'read',
  state: 'active',
  createdAt: new Date(0).toISOString(),
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
};

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
