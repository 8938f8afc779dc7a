import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { errorLine } from '../../../src/cli/error-line.js';
import { login } from '../../../src/cli/login-action.js';
import { managerClient } from '../../../src/cli/manager-client.js';
import { ManagerClient, ServerSpeaksHttps, ServerUnreachable } from '../../../src/client/index.js';
import { buildServer } from '../../../src/http/index.js';
import { loopbackTls } from '../../../testkit/test-tls.js';

// A command given http://HOST:PORT where the manager serves https (as every manager does): the
// TLS server closes the plain request's connection, which alone reads as "cannot reach ...: is
// `poseidon manager` running?". Every call of the client looks once, after such a failure only,
// whether TLS answers there, and says to use https:// instead (the worker's join does too).

let app: FastifyInstance;
let plainUrl: string;
let resetting: Server;
let resettingUrl: string;
let configHome: string;
let caFile: string;
const saved = { xdg: process.env.XDG_CONFIG_HOME, manager: process.env.POSEIDON_MANAGER };

before(async () => {
  // nothing is saved on a failed login; should one pass, it must not touch this user's file
  configHome = await mkdtemp(join(tmpdir(), 'poseidon-https-hint-'));
  process.env.XDG_CONFIG_HOME = configHome;
  delete process.env.POSEIDON_MANAGER;
  // a server as a manager's is built: the project's own, over TLS with the cluster CA's certificate
  const tls = await loopbackTls();
  caFile = join(configHome, 'ca.crt');
  await writeFile(caFile, tls.ca ?? '');
  app = buildServer({ log: pino({ level: 'silent' }), metrics: new Registry(), component: 'manager', tls });
  // what GET /whoami answers a token, for a login that reaches the server
  app.get('/whoami', async () => ({
    ...{ id: 'abc123', name: 'ci', scope: 'read', state: 'active', createdAt: new Date(0).toISOString() },
    ...{ expiresAt: null, revokedAt: null, lastUsedAt: null },
  }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  plainUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  resetting = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
  resettingUrl = `http://127.0.0.1:${(resetting.address() as AddressInfo).port}`;
});

after(async () => {
  await app.close();
  resetting.close();
  for (const [name, value] of [
    ['XDG_CONFIG_HOME', saved.xdg],
    ['POSEIDON_MANAGER', saved.manager],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await rm(configHome, { recursive: true, force: true });
});

const LINE = (url: string): string =>
  `poseidon: the manager at ${url} speaks https, not http: use ${url.replace('http:', 'https:')} ` +
  "(with --ca FILE, the manager's <data-dir>/ca.crt)\n";

test('any call of the client to http:// of a TLS server fails saying to use https://, not "cannot reach"', async () => {
  const client = new ManagerClient(plainUrl);
  for (const call of [() => client.listTasks(), () => client.listNodes(), () => client.logs('abc', { follow: true })]) {
    const err = await call().catch((e: unknown) => e);
    assert.ok(err instanceof ServerSpeaksHttps, String(err));
    assert.equal(err.url, plainUrl);
    assert.equal(err.httpsUrl, plainUrl.replace('http:', 'https:'));
    assert.equal(err.message, `the server at ${plainUrl} speaks https, not http: use ${err.httpsUrl}`);
    assert.equal(await errorLine(err), LINE(plainUrl));
  }
});

test("the CLI's manager from a flag, the environment or the saved login: the same line", async () => {
  const fromFlag = await managerClient({ manager: plainUrl })
    .clusterStatus()
    .catch((e: unknown) => e);
  assert.equal(await errorLine(fromFlag), LINE(plainUrl));
  process.env.POSEIDON_MANAGER = plainUrl;
  try {
    const fromEnv = await managerClient({})
      .listTasks()
      .catch((e: unknown) => e);
    assert.equal(await errorLine(fromEnv), LINE(plainUrl));
  } finally {
    delete process.env.POSEIDON_MANAGER;
  }
  const loggedIn = await login(plainUrl, { token: 'psdn_x' }).catch((e: unknown) => e);
  assert.equal(await errorLine(loggedIn), LINE(plainUrl));
});

test('a group of http:// URLs of TLS servers is not gone round for seconds: the first one says so', async () => {
  const group = new ManagerClient(`${resettingUrl},${plainUrl}`);
  const err = await group.listTasks().catch((e: unknown) => e);
  assert.ok(err instanceof ServerSpeaksHttps, String(err));
  assert.equal(err.url, plainUrl, 'the reset one that speaks no TLS was passed over');
});

test('a server that closes the connection and does not speak TLS either stays "cannot reach"', async () => {
  const err = await login(resettingUrl, { token: 'psdn_x' }).catch((e: unknown) => e);
  assert.ok(err instanceof ServerUnreachable, String(err));
  assert.equal(err.message, `cannot reach manager at ${resettingUrl}: is \`poseidon manager\` running?`);
  assert.equal(
    await errorLine(err),
    `poseidon: cannot reach manager at ${resettingUrl}: is \`poseidon manager\` running?\n`,
  );
});

test('login HOST:PORT, with no scheme, logs in over https:// and saves the https:// URL', async () => {
  const address = plainUrl.replace('http://', '');
  // the server speaks only TLS: this login reaching /whoami is one made over https://
  await login(address, { token: 'psdn_x', ca: caFile });
  const httpsUrl = `https://${address}`;
  const saved = JSON.parse(await readFile(join(configHome, 'poseidon', 'config.json'), 'utf8')) as { manager: string };
  assert.equal(saved.manager, httpsUrl);
  // read as every manager address is (server-address.test.ts): a bad one names the argument
  await assert.rejects(login('ftp://10.0.0.5', { token: 'psdn_x' }), {
    message: 'URL is "ftp://10.0.0.5"; use an https:// URL, or HOST:PORT',
  });
});

test("login HOST, with no port, goes to the default manager port, not https's 443", async () => {
  // a name that resolves nowhere (RFC 2606): the line names the URL tried, and nothing is reached
  const err = await login('manager.invalid', { token: 'psdn_x' }).catch((e: unknown) => e);
  assert.ok(err instanceof ServerUnreachable, String(err));
  assert.equal(err.url, 'https://manager.invalid:5555');
});
