import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { login } from '../../../src/cli/login-action.js';
import { ServerUnreachable } from '../../../src/client/index.js';
import { PoseidonError } from '../../../src/errors/index.js';
import { ClusterCa, newKeyAndCsr, publicKeyOfCsr } from '../../../src/pki/index.js';

// `poseidon login http://HOST:PORT` where the manager serves https (as every manager does): the
// TLS server closes the plain request's connection, which alone reads as "cannot reach". The
// login looks once whether TLS answers there, and says to use https:// (the worker's join does).

const HOUR = 3_600_000;
let https: ReturnType<typeof createHttpsServer>;
let httpsPort: number;
let resetting: Server;
let resettingPort: number;
let configHome: string;
const savedXdg = process.env.XDG_CONFIG_HOME;

function listening(s: Server | ReturnType<typeof createHttpsServer>): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
}

before(async () => {
  // nothing is saved on a failed login; should one pass, it must not touch this user's file
  configHome = await mkdtemp(join(tmpdir(), 'poseidon-login-'));
  process.env.XDG_CONFIG_HOME = configHome;
  const ca = (await ClusterCa.create(Date.now())).ca;
  const { keyPem, csrPem } = await newKeyAndCsr();
  const cert = await ca.issue({
    publicKey: await publicKeyOfCsr(csrPem),
    nodeId: '33333333-3333-4333-8333-333333333333',
    role: 'manager',
    addresses: ['127.0.0.1'],
    notBeforeMs: Date.now() - HOUR,
    notAfterMs: Date.now() + HOUR,
  });
  https = createHttpsServer({ cert, key: keyPem }, (_req, res) => res.end('{}'));
  httpsPort = await listening(https);
  resetting = createServer((socket) => socket.destroy());
  resettingPort = await listening(resetting);
});

after(async () => {
  https.close();
  resetting.close();
  if (savedXdg === undefined) delete process.env.XDG_CONFIG_HOME;
  else process.env.XDG_CONFIG_HOME = savedXdg;
  await rm(configHome, { recursive: true, force: true });
});

test('login to http:// of a manager that speaks https says to use https://', async () => {
  const err = await login(`http://127.0.0.1:${httpsPort}`, { token: 'psdn_x' }).catch((e: unknown) => e);
  assert.ok(err instanceof PoseidonError, String(err));
  assert.ok(!(err instanceof ServerUnreachable));
  assert.equal(
    err.message,
    `the manager at http://127.0.0.1:${httpsPort} speaks https, not http: use https://127.0.0.1:${httpsPort} ` +
      "(with --ca FILE, the manager's <data-dir>/ca.crt)",
  );
});

test('a server that closes the connection and does not speak TLS either stays "cannot reach"', async () => {
  const url = `http://127.0.0.1:${resettingPort}`;
  const err = await login(url, { token: 'psdn_x' }).catch((e: unknown) => e);
  assert.ok(err instanceof ServerUnreachable, String(err));
  assert.equal(err.message, `cannot reach manager at ${url}: is \`poseidon manager\` running?`);
});
