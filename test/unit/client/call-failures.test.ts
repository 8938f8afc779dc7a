import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import { HttpClient, PoseidonClient, ServerUnreachable } from '../../../src/client/index.js';
import { InvalidField } from '../../../src/errors/index.js';

// What the client says as "cannot reach": a call that did not get through (refused, reset, no
// answer) only. A caller's mistake (an argument of the wrong kind, a URL that is not one) is
// said as itself, at the call or at construction, not as a manager that is not running.

let closedUrl: string;
/** Takes each connection and closes it at once, before any answer. */
let resetting: Server;
let resettingUrl: string;

before(async () => {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  closedUrl = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  resetting = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
  resettingUrl = `http://127.0.0.1:${(resetting.address() as AddressInfo).port}`;
});

after(() => resetting.close());

test('watchEvents called with a window where its signal goes fails with the TypeError, not as unreachable', async () => {
  const client = new PoseidonClient({ url: closedUrl });
  // the wrong signature a script may use: watchEvents(signal, window)
  const err = await client.watchEvents({ since: new Date() } as unknown as AbortSignal).catch((e: unknown) => e);
  assert.ok(!(err instanceof ServerUnreachable), String(err));
  assert.ok(err instanceof TypeError, String(err));
  assert.match(err.message, /signal/);
});

test('a URL that is not one is refused when the client is made, naming url', () => {
  for (const url of [
    'not a url',
    'ftp://10.0.0.1:5555',
    'https://10.0.0.1:5555,',
    'https://10.0.0.1:5555,ftp://x',
    '',
  ]) {
    assert.throws(
      () => new PoseidonClient({ url }),
      (err: unknown) => err instanceof InvalidField && err.field === 'url' && err.message.includes('url is'),
      url,
    );
  }
  // a list of managers is still one option
  assert.deepEqual(new PoseidonClient({ url: 'https://10.0.0.1:5555,https://10.0.0.2:5555/' }).http.urls, [
    'https://10.0.0.1:5555',
    'https://10.0.0.2:5555',
  ]);
});

test('a refused connection and a reset one are unreachable, with the hint and the cause', async () => {
  for (const [url, code] of [
    [closedUrl, 'ECONNREFUSED'],
    [resettingUrl, 'ECONNRESET'],
  ] as const) {
    const client = new HttpClient(url, (u) => `test server at ${u}: is it running?`);
    const err = await client.request('GET', '/x').catch((e: unknown) => e);
    assert.ok(err instanceof ServerUnreachable, String(err));
    assert.equal(err.message, `cannot reach test server at ${url}: is it running?`);
    assert.equal((err.cause as { code?: string }).code, code);
  }
});

test('a call past its deadline is unreachable too', async () => {
  const silent = createServer(() => undefined); // takes the connection, never answers
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  try {
    const err = await new HttpClient(url, (u) => `test server at ${u}`, 50).request('GET', '/').catch((e) => e);
    assert.ok(err instanceof ServerUnreachable, String(err));
  } finally {
    silent.close();
    silent.unref();
  }
});
