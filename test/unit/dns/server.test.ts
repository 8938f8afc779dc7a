import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import dnsPacket, { type DecodedPacket, type RecordType } from 'dns-packet';
import { pino } from 'pino';
import { startDnsServer, type DnsServer } from '../../../src/dns/index.js';
import { endpoint, service, tableOf } from './table-fixture.js';

// The DNS server on real sockets (127.0.0.1, port 0): UDP and TCP answer alike, a large answer is
// truncated over UDP and whole over TCP, malformed messages are dropped, idle TCP connections are
// closed, and names outside the zone go to the resolvers of resolv.conf (SERVFAIL when they fail).

const log = pino({ level: 'silent' });
const many = Array.from({ length: 60 }, (_, i) => endpoint(i + 1, 'ready'));
const table = tableOf(service('web', '10.213.128.1', [endpoint(1, 'ready')]), service('big', '10.213.128.3', many));

let upstream: ReturnType<typeof createSocket>;
let server: DnsServer;
let silentServer: DnsServer;
let port: number;

before(async () => {
  // a fake upstream resolver: answers every query with one A record 192.0.2.7
  upstream = createSocket('udp4');
  upstream.on('message', (msg, from) => {
    const q = dnsPacket.decode(msg);
    const name = q.questions?.[0]?.name ?? '';
    const reply = dnsPacket.encode({
      type: 'response',
      id: q.id ?? 0,
      flags: 1 << 7,
      questions: q.questions ?? [],
      answers: [{ type: 'A', name, ttl: 60, data: '192.0.2.7' }],
    });
    upstream.send(reply, from.port, from.address);
  });
  upstream.bind(0, '127.0.0.1');
  await once(upstream, 'listening');
  server = await startDnsServer({
    table,
    log,
    listen: [{ host: '127.0.0.1', port: 0 }],
    upstream: { servers: [{ host: '127.0.0.1', port: upstream.address().port }], timeoutMs: 1_000 },
    tcp: { idleMs: 300 },
  });
  port = server.addresses[0]?.port ?? 0;
  // resolvers that never answer: a bound socket that reads nothing
  silentServer = await startDnsServer({
    table,
    log,
    listen: [{ host: '127.0.0.1', port: 0 }],
    upstream: { servers: [{ host: '127.0.0.1', port: await silentPort() }], timeoutMs: 300 },
  });
});

after(async () => {
  await server.close();
  await silentServer.close();
  upstream.close();
  for (const s of silent) s.close();
});

const silent: Array<ReturnType<typeof createSocket>> = [];
async function silentPort(): Promise<number> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  silent.push(s);
  return s.address().port;
}

function encodeQuery(name: string, type: RecordType, id = 7): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type }] });
}

async function udp(bytes: Buffer, to = port, waitMs = 3_000): Promise<DecodedPacket | 'no answer'> {
  const s = createSocket('udp4');
  try {
    const answer = new Promise<DecodedPacket | 'no answer'>((resolve) => {
      const timer = setTimeout(() => resolve('no answer'), waitMs);
      s.once('message', (msg) => {
        clearTimeout(timer);
        resolve(dnsPacket.decode(msg));
      });
    });
    s.send(bytes, to, '127.0.0.1');
    return await answer;
  } finally {
    s.close();
  }
}

async function tcp(messages: Buffer[]): Promise<DecodedPacket[]> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.write(Buffer.concat(messages.map((m) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m]))));
  const replies: DecodedPacket[] = [];
  let buffered = Buffer.alloc(0);
  for await (const chunk of socket as AsyncIterable<Buffer>) {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2 && buffered.length >= buffered.readUInt16BE(0) + 2) {
      replies.push(dnsPacket.decode(buffered.subarray(2, buffered.readUInt16BE(0) + 2)));
      buffered = buffered.subarray(buffered.readUInt16BE(0) + 2);
    }
    if (replies.length === messages.length) break;
  }
  socket.destroy();
  return replies;
}

const rcodeOf = (p: DecodedPacket | 'no answer'): string | undefined =>
  p === 'no answer' ? p : (p as DecodedPacket & { rcode?: string }).rcode;
const addresses = (p: DecodedPacket | 'no answer'): unknown[] =>
  p === 'no answer' ? [] : (p.answers ?? []).map((a) => ('data' in a ? a.data : null));

test('UDP and TCP answer a service name with its VIP', async () => {
  assert.deepEqual(addresses(await udp(encodeQuery('web.svc.poseidon.cluster', 'A'))), ['10.213.128.1']);
  const [viaTcp] = await tcp([encodeQuery('web.svc.poseidon.cluster', 'A')]);
  assert.deepEqual(addresses(viaTcp ?? 'no answer'), ['10.213.128.1']);
});

test('an answer too large for UDP is truncated there (TC) and whole over TCP', async () => {
  const viaUdp = await udp(encodeQuery('tasks.big.svc.poseidon.cluster', 'A'));
  assert.notEqual(viaUdp, 'no answer');
  assert.equal((viaUdp as DecodedPacket).flag_tc, true);
  assert.deepEqual(addresses(viaUdp), []);
  const [viaTcp] = await tcp([encodeQuery('tasks.big.svc.poseidon.cluster', 'A')]);
  assert.equal(addresses(viaTcp ?? 'no answer').length, 60);
});

test('several queries on one TCP connection are each answered', async () => {
  const replies = await tcp([
    encodeQuery('web.svc.poseidon.cluster', 'A', 1),
    encodeQuery('nope.svc.poseidon.cluster', 'A', 2),
  ]);
  assert.deepEqual(
    replies.map((r) => [r.id, rcodeOf(r)]),
    [
      [1, 'NOERROR'],
      [2, 'NXDOMAIN'],
    ],
  );
});

test('malformed datagrams and responses are dropped unanswered, and the server goes on answering', async () => {
  assert.equal(await udp(Buffer.from('not dns at all'), port, 300), 'no answer');
  const response = dnsPacket.encode({
    type: 'response',
    id: 3,
    questions: [{ name: 'web.svc.poseidon.cluster', type: 'A' }],
  });
  assert.equal(await udp(response, port, 300), 'no answer');
  const truncated = encodeQuery('web.svc.poseidon.cluster', 'A').subarray(0, 20);
  assert.equal(await udp(truncated, port, 300), 'no answer');
  assert.deepEqual(addresses(await udp(encodeQuery('web.svc.poseidon.cluster', 'A'))), ['10.213.128.1']);
});

test('an idle TCP connection is closed; one announcing an oversized message at once', async () => {
  const idle = connect({ host: '127.0.0.1', port });
  await once(idle, 'connect');
  await once(idle, 'close'); // idleMs 300
  const huge = connect({ host: '127.0.0.1', port });
  await once(huge, 'connect');
  huge.write(Buffer.from([0xff, 0xff, 0, 0]));
  await once(huge, 'close');
});

test('a name outside the zone is answered by the host resolver; SERVFAIL when it does not answer', async () => {
  const forwarded = await udp(encodeQuery('example.org', 'A', 99));
  assert.deepEqual(addresses(forwarded), ['192.0.2.7']);
  assert.equal((forwarded as DecodedPacket).id, 99);
  const failed = await udp(encodeQuery('example.org', 'A'), silentServer.addresses[0]?.port);
  assert.equal(rcodeOf(failed), 'SERVFAIL');
});

test('a fixed port whose TCP side something else holds is refused as EADDRINUSE, and nothing is left bound', async () => {
  const held = createServer();
  held.listen(0, '127.0.0.1');
  await once(held, 'listening');
  const taken = (held.address() as { port: number }).port;
  await assert.rejects(startDnsServer({ table, log, listen: [{ host: '127.0.0.1', port: taken }], recursion: false }), {
    code: 'EADDRINUSE',
  });
  held.close();
  await once(held, 'close');
  // the UDP side was let go: the same port serves once it is free
  const freed = await startDnsServer({ table, log, listen: [{ host: '127.0.0.1', port: taken }], recursion: false });
  assert.equal(freed.addresses[0]?.port, taken);
  await freed.close();
});
