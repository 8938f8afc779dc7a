import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BodyFramer } from '../../../src/proxy/http-body.js';
import * as heads from '../../../src/proxy/http-head.js';
import { BadRequest } from '../../../src/proxy/http-head.js';

/** A request head as its text (the blank line that ends it left out), its head sent on as text too. */
type RequestHead = Omit<heads.RequestHead, 'head'> & { head: string; parsed: heads.RequestHead };

/** The head's bytes as they arrive: the text, then the blank line, in a buffer with bytes before it. */
function bytesOf(text: string): [Buffer, number, number] {
  return [Buffer.from(`junk\r\n${text}\r\n\r\n`, 'latin1'), 6, 6 + Buffer.byteLength(text, 'latin1')];
}

function parseRequestHead(text: string, address: string): RequestHead | BadRequest {
  const head = heads.parseRequestHead(...bytesOf(text), address);
  return head instanceof BadRequest ? head : { ...head, head: head.head.toString(), parsed: head };
}

function parseResponseHead(text: string, request: RequestHead): heads.ResponseHead | string {
  return heads.parseResponseHead(...bytesOf(text), request.parsed);
}

// The http mode's heads and body framing, as pure functions: where a message ends is the one
// thing the proxy and a replica must never disagree on.

function request(text: string): RequestHead {
  const head = parseRequestHead(text, '10.0.0.9');
  assert.ok(!(head instanceof BadRequest), `refused: ${JSON.stringify(head)}`);
  return head;
}

test('a request head: framing, keep-alive, resendable, and the head sent on', () => {
  const get = request('GET /a?b=1 HTTP/1.1\r\nHost: web\r\nX-Forwarded-For: 192.0.2.1');
  assert.equal(
    get.head,
    'GET /a?b=1 HTTP/1.1\r\nHost: web\r\nx-forwarded-for: 192.0.2.1, 10.0.0.9\r\nx-forwarded-proto: http\r\n\r\n',
  );
  assert.deepEqual([get.framing, get.keepAlive, get.resendable, get.closesUpstream], ['none', true, true, false]);
  const post = request('POST / HTTP/1.1\r\nContent-Length: 12, 12');
  assert.deepEqual([post.framing, post.length, post.resendable], ['length', 12, false]);
  assert.equal(request('PUT / HTTP/1.1\r\ntransfer-encoding: gzip, chunked').framing, 'chunked');
  assert.equal(request('DELETE / HTTP/1.1\r\nContent-Length: 0').resendable, true);
  const old = request('GET / HTTP/1.0\r\nHost: x');
  assert.deepEqual([old.keepAlive, old.closesUpstream], [false, true]);
  assert.match(old.head, /\r\nconnection: close\r\n\r\n$/);
  assert.equal(request('GET / HTTP/1.1\r\nConnection: Close').keepAlive, false);
});

test('a request the proxy cannot forward unambiguously is refused with the status that says why', () => {
  const cases: Array<[string, number]> = [
    ['POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked', 400],
    ['POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2', 400],
    ['POST / HTTP/1.1\r\nContent-Length: -1', 400],
    ['POST / HTTP/1.1\r\nContent-Length: 1e3', 400],
    ['POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip', 400],
    ['POST / HTTP/1.0\r\nTransfer-Encoding: chunked', 400],
    ['GET / HTTP/1.1\r\nHost : x', 400],
    ['GET / HTTP/1.1\r\nHost: x\r\n  folded', 400],
    ['GET / HTTP/1.1\r\nHost: a\nb', 400],
    ['GET /a b HTTP/1.1', 400],
    ['GET  HTTP/1.1', 400],
    ['GET / HTTP/2', 505],
    ['CONNECT host:443 HTTP/1.1', 405],
  ];
  for (const [text, status] of cases) {
    const head = parseRequestHead(text, '10.0.0.9');
    assert.ok(head instanceof BadRequest, `forwarded: ${JSON.stringify(text)}`);
    assert.equal(head.status, status, JSON.stringify(text));
  }
});

test('an upgrade is forwarded only when Connection names it', () => {
  const ws = request('GET /ws HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket');
  assert.equal(ws.upgrade, 'websocket');
  assert.match(ws.head, /\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n$/);
  const stray = request('GET / HTTP/1.1\r\nUpgrade: websocket');
  assert.equal(stray.upgrade, undefined);
  assert.doesNotMatch(stray.head, /upgrade/i);
});

test('a response head: framing by method and status, and whether each connection is kept', () => {
  const get = request('GET / HTTP/1.1');
  const cases: Array<[string, RequestHead, string, boolean, boolean]> = [
    // head, request, framing, replica connection reusable, client connection closed
    ['HTTP/1.1 200 OK\r\nContent-Length: 5', get, 'length', true, false],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked', get, 'chunked', true, false],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip', get, 'close', false, true],
    ['HTTP/1.1 200 OK', get, 'close', false, true],
    ['HTTP/1.1 204 No Content', get, 'none', true, false],
    ['HTTP/1.1 304 Not Modified\r\nContent-Length: 5', get, 'none', true, false],
    ['HTTP/1.1 200 OK\r\nContent-Length: 5', request('HEAD / HTTP/1.1'), 'none', true, false],
    ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close', get, 'length', false, false],
    ['HTTP/1.0 200 OK\r\nContent-Length: 5', get, 'length', false, false],
    ['HTTP/1.1 200 OK\r\nContent-Length: 5', request('GET / HTTP/1.0'), 'length', false, true],
    ['HTTP/1.1 200 OK\r\nContent-Length: 5', request('GET / HTTP/1.1\r\nConnection: close'), 'length', true, true],
  ];
  for (const [text, req, framing, reusable, closeClient] of cases) {
    const resp = parseResponseHead(text, req);
    assert.ok(typeof resp !== 'string', `${text}: ${String(resp)}`);
    assert.deepEqual([resp.framing, resp.reusable, resp.closeClient], [framing, reusable, closeClient], text);
  }
  assert.equal(typeof parseResponseHead('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x', get), 'string');
  assert.equal(typeof parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2', get), 'string');
  assert.equal(typeof parseResponseHead('ICY 200 OK', get), 'string');
});

/** Where a framer says the body ends when `bytes` come in the given pieces (-1: broken). */
function endIn(framer: BodyFramer, bytes: Buffer, cuts: number[]): number {
  let offset = 0;
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  for (const to of [...points, bytes.length]) {
    const piece = bytes.subarray(offset, to);
    const end = framer.advance(piece, 0);
    if (end < 0) return -1;
    if (framer.done) return offset + end;
    offset = to;
  }
  return framer.done ? offset : bytes.length + 1;
}

test('a chunked body ends at the same byte however it is cut into pieces', () => {
  const chunk = fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Buffer.from(b));
  fc.assert(
    fc.property(
      fc.array(chunk, { maxLength: 5 }),
      fc.boolean(),
      fc.array(fc.nat(), { maxLength: 6 }),
      (chunks, trailer, cuts) => {
        const body = Buffer.concat([
          ...chunks.flatMap((c) => [Buffer.from(`${c.length.toString(16)};x=y\r\n`), c, Buffer.from('\r\n')]),
          Buffer.from(`0\r\n${trailer ? 'X-T: 1\r\n' : ''}\r\n`),
        ]);
        const next = Buffer.from('GET / HTTP/1.1\r\n\r\n');
        const framer = new BodyFramer();
        framer.reset('chunked', 0);
        assert.equal(endIn(framer, Buffer.concat([body, next]), cuts), body.length);
      },
    ),
  );
});

test('a broken chunked body is detected; a length body ends after its length', () => {
  for (const broken of ['x\r\n', '5\r\nabcde\r\r', '5\r\nabcdeX\r\n', '0\r\nX-T: 1\n\r\n', 'fffffffffffffffff\r\n']) {
    const framer = new BodyFramer();
    framer.reset('chunked', 0);
    assert.equal(framer.advance(Buffer.from(broken), 0), -1, JSON.stringify(broken));
  }
  const framer = new BodyFramer();
  framer.reset('length', 5);
  assert.equal(framer.advance(Buffer.from('abc'), 0), 3);
  assert.equal(framer.done, false);
  assert.equal(framer.advance(Buffer.from('deGET'), 0), 2);
  assert.equal(framer.done, true);
});

test('heads read byte by byte: the same refusals at any offset in the buffer, and values checked to the byte', () => {
  const refused: Array<[string, number]> = [
    ['POST / HTTP/1.1\r\nContent-Length: 12\r\nContent-Length: 012', 400],
    ['GET / HTTP/1.1\r\nX-A: a\0b', 400],
    ['GET / HTTP/1.1\r\nX-A: a\rb', 400],
    ['GET / HTTP/1.1\r\n: empty name', 400],
    ['GET / HTTP/1.1\r\nno colon', 400],
    ['GET / http/1.1', 505],
  ];
  for (const [text, status] of refused) {
    const head = parseRequestHead(text, '10.0.0.9');
    assert.ok(head instanceof BadRequest, `forwarded: ${JSON.stringify(text)}`);
    assert.equal(head.status, status, JSON.stringify(text));
  }
  // kept lines pass byte for byte (case, spacing, obs-text), the hop-by-hop ones between them dropped
  const kept = request('GET / HTTP/1.1\r\nHost:  web \r\nKEEP-ALIVE: 5\r\nAccept: */*\r\nConnection: Keep-Alive');
  assert.equal(
    kept.head,
    'GET / HTTP/1.1\r\nHost:  web \r\nAccept: */*\r\n' + 'x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\n\r\n',
  );
  const obs = request('GET / HTTP/1.1\r\nX-A: cr\u00e8me');
  assert.match(obs.head, /\r\nX-A: cr\u00e8me\r\n/);
  const get = request('GET / HTTP/1.1');
  for (const bad of ['HTTP/1.1 2x0 OK', 'HTTP/1.1 20 OK', 'HTTP/1.1 200OK', 'HTTP/1.2 200 OK', 'HTTP/1.1 200 O\rK']) {
    assert.equal(typeof parseResponseHead(bad, get), 'string', bad);
  }
  const bare = parseResponseHead('HTTP/1.1 204\r\nX-A: 1', get);
  assert.ok(typeof bare !== 'string');
  assert.equal(bare.status, 204);
  assert.equal(bare.head.toString(), 'HTTP/1.1 204\r\nX-A: 1\r\n\r\n');
});
