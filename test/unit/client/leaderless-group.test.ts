import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { HttpClient, ServerUnreachable } from '../../../src/client/index.js';
import { RemoteError } from '../../../src/errors/index.js';

// A group whose managers answer but none leads (a majority of etcd down, say) answers every call
// 503 no_leader, and the client asks again while a leader is elected. When the call's deadline
// comes first, the group's answer is what the client says, with what to check: before, the last
// try, cut short by the deadline, was said as `cannot reach manager at …: is poseidon manager
// running?`, of managers that were running and answering.

const NO_LEADER = JSON.stringify({
  error: {
    code: 'no_leader',
    message: 'no manager of the group leads right now (an election is under way); try again',
    retryAfterMs: 250,
  },
});

async function listening(t: TestContext, server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A manager of a group with no leader: it answers each call 503 no_leader. */
function follower(t: TestContext): Promise<string> {
  return listening(
    t,
    createHttpServer((_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end(NO_LEADER)),
  );
}

async function closedUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return url;
}

const describe = (u: string): string => `manager at ${u}: is \`poseidon manager\` running?`;

function assertLeaderless(err: unknown): void {
  assert.ok(!(err instanceof ServerUnreachable), String(err));
  assert.ok(err instanceof RemoteError, String(err));
  assert.equal(err.code, 'no_leader');
  assert.equal(err.status, 503);
  assert.match(err.message, /^no manager of the group could serve this call for the \d+s it waited \(no manager/);
  assert.match(err.message, /a majority of the etcd members/);
}

test('a call whose deadline comes while no manager leads says so, not that the manager is not running', async (t) => {
  const url = await follower(t);
  const err = await new HttpClient(url, describe, 1_000).request('GET', '/tasks').catch((e: unknown) => e);
  assertLeaderless(err);
});

test('given the group, one manager down and the others without a leader: the group has no leader', async (t) => {
  const urls = [await closedUrl(), await follower(t), await follower(t)].join(',');
  const err = await new HttpClient(urls, describe, 1_500).request('GET', '/status').catch((e: unknown) => e);
  assertLeaderless(err);
});

test('a manager not there at all is still said as unreachable', async () => {
  const url = await closedUrl();
  const err = await new HttpClient(url, describe, 1_000).request('GET', '/tasks').catch((e: unknown) => e);
  assert.ok(err instanceof ServerUnreachable, String(err));
});
