import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ServerUnreachable } from '../../../src/client/index.js';
import { joinCluster } from '../../../src/pki/index.js';

// `poseidon worker --manager https://… --join-token …` with no manager there: the join's first
// step (GET /ca, before anything is trusted) fails as every client of the manager does, one line
// that names the URL and asks whether the manager runs, not the socket's own error and its stack.

const TOKEN = `PSDN-1-${'a'.repeat(64)}-${'b'.repeat(32)}`;

/** A port on 127.0.0.1 nothing listens on (one was given, then closed). */
async function closedPort(): Promise<number> {
  const s: Server = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

test('a join with no manager at the URL fails as ServerUnreachable, naming the URL and what to check', async () => {
  const url = `https://127.0.0.1:${await closedPort()}`;
  const err = await joinCluster({ managerUrl: url, token: TOKEN, addresses: ['127.0.0.1'] }).catch((e: unknown) => e);
  assert.ok(err instanceof ServerUnreachable, String(err));
  assert.equal(err.message, `cannot reach manager at ${url}: is \`poseidon manager\` running?`);
  assert.equal(err.url, url);
  assert.equal((err.cause as { code?: string }).code, 'ECONNREFUSED');
});

test('a manager that takes the connection and closes it is unreachable too (one line, the cause kept)', async () => {
  const s = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(s.address() as AddressInfo).port}`;
  try {
    const err = await joinCluster({ managerUrl: url, token: TOKEN, addresses: ['127.0.0.1'] }).catch((e: unknown) => e);
    assert.ok(err instanceof ServerUnreachable, String(err));
    assert.match(err.message, /^cannot reach manager at https:\/\/127\.0\.0\.1:\d+: is `poseidon manager` running\?$/);
  } finally {
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});
