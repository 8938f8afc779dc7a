import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { DeadlinePassed, ConnectTimedOut } from '../../../src/client/call-errors.js';
import { HttpClient, isConnectionFailure, ServerUnreachable } from '../../../src/client/index.js';
import { RemoteError } from '../../../src/errors/index.js';

// Which failures of a call are the way to the server or the server (the client says "cannot
// reach", and a client of a group goes on to the next manager), and which are this side's own
// (they go on as themselves). The rule: anything that is not an HTTP answer and not our own doing.

/** An error as node, OpenSSL or undici raise it: a message and a code. */
function coded(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`failed with ${code}`), { code, ...extra });
}

test('every way a connection fails or breaks before the answer is a connection failure', () => {
  const codes = [
    // system errors of a connect, a read or a write
    'ECONNREFUSED',
    'ECONNRESET',
    'ECONNABORTED',
    'EPIPE',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'EHOSTDOWN',
    'ENETUNREACH',
    'ENETDOWN',
    'ENETRESET',
    'EADDRNOTAVAIL',
    'EPROTO',
    // name lookups
    'ENOTFOUND',
    'EAI_AGAIN',
    'EAI_FAIL',
    'EAI_NONAME',
    'EAI_NODATA',
    // undici's
    'UND_ERR_SOCKET',
    'UND_ERR_CLOSED',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
    'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
    // TLS (an https:// call to a plain HTTP port), the HTTP parser (an answer that is no HTTP), node's streams and sockets
    'ERR_SSL_WRONG_VERSION_NUMBER',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'HPE_INVALID_CONSTANT',
    'ERR_STREAM_PREMATURE_CLOSE',
    'ERR_SOCKET_CONNECTION_TIMEOUT',
    'ERR_SOCKET_CLOSED',
  ];
  for (const code of codes) assert.equal(isConnectionFailure(coded(code, { syscall: 'connect' })), true, code);
  // a TLS socket's error says path: null; a unix socket's names the socket it could not connect to
  assert.equal(isConnectionFailure(coded('ECONNRESET', { path: null, host: '127.0.0.1' })), true, 'a TLS socket');
  assert.equal(isConnectionFailure(coded('ECONNREFUSED', { syscall: 'connect', path: '/run/x.sock' })), true, 'unix');
  assert.equal(isConnectionFailure(new DeadlinePassed(100)), true, 'the deadline');
  assert.equal(isConnectionFailure(new ConnectTimedOut('https://10.0.0.1:5555', 3_000)), true, 'no connection in time');
});

test("this side's own doing, an answer, and a bug are not", () => {
  const own = [
    'ERR_INVALID_ARG_TYPE', // a signal of the wrong kind
    'ERR_INVALID_URL',
    'ERR_INVALID_CHAR',
    'ERR_HTTP_INVALID_HEADER_VALUE',
    'ERR_UNESCAPED_CHARACTERS',
    'ERR_OUT_OF_RANGE',
    'ABORT_ERR',
    'UND_ERR_INVALID_ARG',
    'UND_ERR_ABORTED',
    'UND_ERR_NOT_SUPPORTED',
    'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
    'UND_ERR_DESTROYED',
    'EMFILE', // this process is out of file descriptors
  ];
  for (const code of own) assert.equal(isConnectionFailure(coded(code)), false, code);
  // a file's error (an upload's source) names its path
  assert.equal(isConnectionFailure(coded('EACCES', { syscall: 'open', path: '/root/x' })), false, 'a file');
  assert.equal(isConnectionFailure(coded('ENOENT', { syscall: 'scandir', path: '/gone' })), false, 'a file');
  assert.equal(isConnectionFailure(new RemoteError('server_stopping', 503, 'stopping')), false, 'an answer');
  assert.equal(isConnectionFailure(new TypeError('x is not a function')), false, 'a bug');
  for (const odd of [undefined, null, 'ECONNRESET', 42]) assert.equal(isConnectionFailure(odd), false, String(odd));
});

/** Answers bytes that are no HTTP, then closes: what a call to something else on that port meets. */
let garbage: Server;
let garbageUrl: string;
/** A JSON server; it takes uploads too. */
let good: HttpServer;
let goodUrl: string;

before(async () => {
  garbage = createServer((socket) => socket.end('\x15\x03\x03\x00\x02\x02\x46 no http here\r\n\r\n'));
  await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
  garbageUrl = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`;
  good = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => good.listen(0, '127.0.0.1', resolve));
  goodUrl = `http://127.0.0.1:${(good.address() as AddressInfo).port}`;
});

after(() => {
  garbage.close();
  good.closeAllConnections();
  good.close();
});

test('a group whose first server fails in a way the old list did not retry (no HTTP there) goes on to the next', async () => {
  const group = new HttpClient(`${garbageUrl},${goodUrl}`, (u) => `test server at ${u}`);
  assert.deepEqual(await group.request('GET', '/x'), { ok: true });
  assert.equal(group.baseUrl, goodUrl);
  // alone, that server is unreachable, with the parser's error as the cause
  const err = await new HttpClient(garbageUrl, (u) => `test server at ${u}`).request('GET', '/x').catch((e) => e);
  assert.ok(err instanceof ServerUnreachable, String(err));
  assert.match(String((err.cause as { code?: unknown }).code), /^HPE_/);
});

test("an upload whose own source fails ends with the source's error, not as a server unreachable", async () => {
  const client = new HttpClient(goodUrl, (u) => `test server at ${u}`);
  // a system error of the source with no path: only where it came from tells it apart
  const failing = new Readable({
    read() {
      this.destroy(coded('EIO', { syscall: 'read' }));
    },
  });
  const err = await client.upload('PUT', '/archive', failing, 'application/x-tar').catch((e: unknown) => e);
  assert.ok(!(err instanceof ServerUnreachable), String(err));
  assert.equal((err as { code?: unknown }).code, 'EIO');
});
