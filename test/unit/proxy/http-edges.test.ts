import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { waitFor } from '../../integration/helpers/wait-for.js';
import { block, closeAll, endpoint, httpReplica, metric, serviceView, startRig } from './loopback.js';

// The http mode's edges over real sockets (see loopback.ts): a client that half-closes, a replica
// that never answers, an upgrade to a tunnel (a WebSocket), hop-by-hop headers, framing.

/** Sends `bytes` on a new connection (then ends its side when `end`), and collects all it reads until close. */
async function raw(host: string, port: number, bytes: string, end = false): Promise<string> {
  // not half-open: when the proxy ends its side, this side ends too
  const socket = connect({ host, port });
  let got = '';
  socket.setEncoding('latin1');
  socket.on('data', (c: string) => (got += c));
  socket.write(bytes);
  if (end) socket.end();
  await once(socket, 'close');
  return got;
}

/** The responses in what a connection read, head and body apart (content-length bodies only). */
function responses(text: string): Array<{ head: string; body: string }> {
  const out: Array<{ head: string; body: string }> = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const head = rest.slice(0, end);
    const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    out.push({ head, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

const httpPort = (port: number) => [{ name: null, port, protocol: 'http' as const, balance: 'round-robin' as const }];

test('http half-close: a client that ends its side after its requests still gets every answer', async () => {
  const net = block();
  const a = await httpReplica('a', `${net}.2`, 0);
  const rig = await startRig([serviceView('web', `${net}.1`, httpPort(a.port), [endpoint('a', `${net}.2`)])]);
  try {
    const host = `Host: ${net}.1\r\n`;
    const post = `POST /p HTTP/1.1\r\n${host}content-length: 4\r\n\r\nbody`;
    const got = await raw(
      `${net}.1`,
      a.port,
      `GET /1 HTTP/1.1\r\n${host}\r\n${post}GET /3 HTTP/1.1\r\n${host}\r\n`,
      true,
    );
    const answers = responses(got);
    assert.deepEqual(
      answers.map((r) => [r.head.split('\r\n')[0], r.body]),
      [
        ['HTTP/1.1 200 OK', 'a'],
        ['HTTP/1.1 200 OK', 'a'],
        ['HTTP/1.1 200 OK', 'a'],
      ],
    );
    assert.deepEqual(
      a.requests.map((q) => [q.method, q.url, q.body]),
      [
        ['GET', '/1', ''],
        ['POST', '/p', 'body'],
        ['GET', '/3', ''],
      ],
    );
  } finally {
    await rig.proxy.close();
    await closeAll([a.server]);
  }
});

test('http timeout: a silent replica is a 504; a GET goes to another replica first, a POST does not', async () => {
  const net = block();
  const a = await httpReplica('a', `${net}.2`, 0);
  const silent = await httpReplica('silent', `${net}.3`, a.port);
  silent.server.removeAllListeners('request');
  const held: IncomingMessage[] = [];
  silent.server.on('request', (req: IncomingMessage) => held.push(req)); // accepts, reads, never answers
  const eps = [endpoint('silent', `${net}.3`), endpoint('a', `${net}.2`)];
  const rig = await startRig([serviceView('web', `${net}.1`, httpPort(a.port), eps)], { responseTimeoutMs: 200 });
  try {
    const close = `Host: x\r\nConnection: close\r\n\r\n`;
    // round-robin: the first request of each pair goes to the silent replica
    const get = responses(await raw(`${net}.1`, a.port, `GET /g HTTP/1.1\r\n${close}`));
    assert.equal(get[0]?.head.split('\r\n')[0], 'HTTP/1.1 200 OK');
    assert.equal(get[0]?.body, 'a');
    const post = responses(await raw(`${net}.1`, a.port, `POST /p HTTP/1.1\r\ncontent-length: 1\r\n${close}x`));
    assert.equal(post[0]?.head.split('\r\n')[0], 'HTTP/1.1 504 Gateway Timeout');
    assert.equal(post[0]?.body, 'replica of service web did not answer within 200 ms\n');
    assert.deepEqual(
      a.requests.map((q) => q.url),
      ['/g'],
      'the POST went to the silent replica only',
    );
    assert.deepEqual(
      held.map((q) => `${q.method} ${q.url}`),
      ['GET /g', 'POST /p'],
    );
    assert.equal(await metric(rig.registry, 'poseidon_proxy_retries_total', 'web'), 1);
  } finally {
    await rig.proxy.close();
    for (const req of held) req.socket.destroy();
    await closeAll([a.server, silent.server]);
  }
});

test('http upgrade: a WebSocket handshake is passed through and the connection becomes a tunnel', async () => {
  const net = block();
  const a = await httpReplica('a', `${net}.2`, 0);
  const upgrades: Array<IncomingMessage['headers']> = [];
  a.server.on('upgrade', (req: IncomingMessage, socket: Socket, early: Buffer) => {
    upgrades.push(req.headers);
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
    );
    socket.write(Buffer.concat([Buffer.from('early:'), early]));
    socket.pipe(socket); // echo, and end when the client ends
  });
  const rig = await startRig([serviceView('web', `${net}.1`, httpPort(a.port), [endpoint('a', `${net}.2`)])]);
  try {
    const socket = connect({ host: `${net}.1`, port: a.port, allowHalfOpen: true });
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (got += c));
    socket.write(
      'GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\nhello',
    );
    while (!got.includes('early:hello')) await once(socket, 'data');
    socket.write(' again');
    socket.end(); // half-close: the echo of what was sent still comes back, then the tunnel closes
    await once(socket, 'close');
    const [head, rest] = [got.slice(0, got.indexOf('\r\n\r\n')), got.slice(got.indexOf('\r\n\r\n') + 4)];
    assert.equal(head.split('\r\n')[0], 'HTTP/1.1 101 Switching Protocols');
    assert.match(head, /\r\nupgrade: websocket/i);
    assert.match(head, /\r\nconnection: upgrade/i);
    assert.match(head, /\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/);
    assert.equal(rest, 'early:hello again');
    assert.equal(upgrades.length, 1);
    assert.equal(upgrades[0]?.upgrade, 'websocket');
    assert.equal(upgrades[0]?.connection, 'upgrade');
    assert.equal(upgrades[0]?.['sec-websocket-key'], 'dGhlIHNhbXBsZSBub25jZQ==');
    await waitFor(async () => (await metric(rig.registry, 'poseidon_proxy_open_connections', 'web')) === 0, {
      what: 'the tunnel closed on the replica side too',
    });
  } finally {
    await rig.proxy.close();
    await closeAll([a.server]);
  }
});

test('http hop-by-hop: connection-scoped headers are dropped both ways, end-to-end ones kept', async () => {
  const net = block();
  const a = await httpReplica('a', `${net}.2`, 0);
  a.server.removeAllListeners('request');
  const seen: Array<IncomingMessage['headers']> = [];
  a.server.on('request', (req: IncomingMessage, res) => {
    seen.push(req.headers);
    res.writeHead(200, {
      connection: 'x-resp-private',
      'x-resp-private': 'hidden',
      'keep-alive': 'timeout=5',
      'proxy-authenticate': 'Basic',
      'x-end-to-end': 'kept',
      'content-length': '2',
    });
    res.end('ok');
  });
  const rig = await startRig([serviceView('web', `${net}.1`, httpPort(a.port), [endpoint('a', `${net}.2`)])]);
  try {
    const got = await raw(
      `${net}.1`,
      a.port,
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: close, X-Private\r\nX-Private: secret\r\nKeep-Alive: 5\r\n' +
        'TE: trailers\r\nTrailer: x-t\r\nProxy-Authorization: Basic Zm9v\r\nProxy-Connection: keep-alive\r\n' +
        'Upgrade: h2c\r\nX-Forwarded-Proto: https\r\nAccept: text/plain\r\n\r\n',
    );
    const [answer] = responses(got);
    const q = seen[0] ?? {};
    for (const name of [
      'x-private',
      'keep-alive',
      'te',
      'trailer',
      'proxy-authorization',
      'proxy-connection',
      'upgrade',
    ])
      assert.equal(q[name], undefined, `${name} reached the replica`);
    assert.equal(q.connection, undefined);
    assert.equal(q.accept, 'text/plain');
    assert.equal(q['x-forwarded-proto'], 'http', "the proxy's own, not the client's");
    const head = (answer?.head ?? '').toLowerCase();
    for (const name of ['x-resp-private', 'keep-alive', 'proxy-authenticate'])
      assert.ok(!head.includes(`\r\n${name}:`), `${name} reached the client`);
    assert.match(head, /\r\nx-end-to-end: kept/);
    assert.match(head, /\r\nconnection: close/, 'the client asked to close: the proxy says it closes');
    assert.equal(answer?.body, 'ok');
  } finally {
    await rig.proxy.close();
    await closeAll([a.server]);
  }
});

test('http framing: chunked bodies pass through whole; ambiguous or malformed requests are refused', async () => {
  const net = block();
  const a = await httpReplica('a', `${net}.2`, 0);
  const rig = await startRig([serviceView('web', `${net}.1`, httpPort(a.port), [endpoint('a', `${net}.2`)])]);
  try {
    const chunked =
      'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '4;ext=1\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nX-Trailer: t\r\n\r\n' +
      'GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    const answers = responses(await raw(`${net}.1`, a.port, chunked));
    assert.deepEqual(
      answers.map((r) => r.body),
      ['a', 'a'],
    );
    assert.deepEqual(
      a.requests.map((q) => [q.url, q.body]),
      [
        ['/c', 'Wikipedia in \r\n\r\nchunks.'],
        ['/after', ''],
      ],
    );
    const refused = async (request: string): Promise<string> =>
      responses(await raw(`${net}.1`, a.port, request))[0]?.head.split('\r\n')[0] ?? 'nothing';
    const both = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';
    assert.equal(await refused(both), 'HTTP/1.1 400 Bad Request');
    const twoLengths = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd';
    assert.equal(await refused(twoLengths), 'HTTP/1.1 400 Bad Request');
    assert.equal(await refused('GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n'), 'HTTP/1.1 400 Bad Request');
    assert.equal(await refused('GET / HTTP/1.1\r\nBad Name: x\r\n\r\n'), 'HTTP/1.1 400 Bad Request');
    const badChunk = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n';
    assert.equal(await refused(badChunk), 'HTTP/1.1 400 Bad Request');
    assert.equal(await refused('GET / HTTP/2.0\r\nHost: x\r\n\r\n'), 'HTTP/1.1 505 HTTP Version Not Supported');
    assert.equal(
      await refused(`GET / HTTP/1.1\r\nX: ${'y'.repeat(20_000)}\r\n\r\n`),
      'HTTP/1.1 431 Request Header Fields Too Large',
    );
    assert.equal(a.requests.length, 2, 'nothing refused reached the replica');
    // HTTP/1.0: answered (here with a body the replica ends by closing), and the connection closes after it
    const old = await raw(`${net}.1`, a.port, 'GET /old HTTP/1.0\r\nHost: x\r\n\r\n');
    assert.match(old, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(old, /\r\nconnection: close\r\n/i);
    assert.ok(old.endsWith('\r\n\r\na'), old);
  } finally {
    await rig.proxy.close();
    await closeAll([a.server]);
  }
});
