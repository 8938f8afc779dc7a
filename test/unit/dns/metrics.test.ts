import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect } from 'node:net';
import { test } from 'node:test';
import dnsPacket, { type RecordType } from 'dns-packet';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { startDnsServer, type DnsServer } from '../../../src/dns/index.js';
import { endpoint, service, tableOf } from './table-fixture.js';

// The DNS server's Prometheus series, read from the registry it was given after real queries over
// UDP and TCP on 127.0.0.1: by type and response code, forwarded (answered or failed), refused,
// dropped, and the answer-time histogram.

const log = pino({ level: 'silent' });
const table = tableOf(service('web', '10.213.128.1', [endpoint(1, 'ready')]));

function query(name: string, type: RecordType): Buffer {
  return dnsPacket.encode({ type: 'query', id: 9, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type }] });
}

/** Sends one datagram; resolves with the reply, or undefined when none comes in `waitMs`. */
async function udp(port: number, bytes: Buffer, waitMs = 2_000): Promise<Buffer | undefined> {
  const s = createSocket('udp4');
  try {
    const reply = new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitMs);
      s.once('message', (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
    });
    s.send(bytes, port, '127.0.0.1');
    return await reply;
  } finally {
    s.close();
  }
}

async function tcp(port: number, bytes: Buffer): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.write(Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]));
  await once(socket, 'data');
  socket.destroy();
}

/** One series' value: `name{labels}` as the registry prints it. */
async function value(registry: Registry, series: string): Promise<number> {
  const text = await registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** A resolver that answers every query with 192.0.2.7, and one that never answers. */
async function upstreams(): Promise<{ answering: UdpSocket; silent: UdpSocket }> {
  const answering = createSocket('udp4');
  answering.on('message', (msg, from) => {
    const q = dnsPacket.decode(msg);
    const name = q.questions?.[0]?.name ?? '';
    const answers = [{ type: 'A' as const, name, ttl: 60, data: '192.0.2.7' }];
    const reply = dnsPacket.encode({ type: 'response', id: q.id ?? 0, questions: q.questions ?? [], answers });
    answering.send(reply, from.port, from.address);
  });
  const silent = createSocket('udp4');
  for (const s of [answering, silent]) {
    s.bind(0, '127.0.0.1');
    await once(s, 'listening');
  }
  return { answering, silent };
}

test('the DNS server counts queries by type and code, forwarded, refused and dropped ones, and times answers', async () => {
  const { answering, silent } = await upstreams();
  const servers: DnsServer[] = [];
  try {
    const registry = new Registry();
    const server = await startDnsServer({
      table,
      log,
      registry,
      listen: [{ host: '127.0.0.1', port: 0 }],
      upstream: {
        servers: [
          { host: '127.0.0.1', port: silent.address().port },
          { host: '127.0.0.1', port: answering.address().port },
        ],
        timeoutMs: 200,
      },
    });
    servers.push(server);
    const port = server.addresses[0]?.port ?? 0;
    await udp(port, query('web.svc.poseidon.cluster', 'A'));
    await udp(port, query('web.svc.poseidon.cluster', 'A'));
    await udp(port, query('nope.svc.poseidon.cluster', 'A'));
    await tcp(port, query('_http._tcp.web.svc.poseidon.cluster', 'SRV'));
    await udp(port, query('example.org', 'A')); // the silent resolver first, then the answering one
    assert.equal(await udp(port, Buffer.from('not dns at all'), 300), undefined);

    const q = (labels: string): Promise<number> => value(registry, `poseidon_dns_queries_total{${labels}}`);
    assert.equal(await q('transport="udp",type="A",rcode="NOERROR"'), 3);
    assert.equal(await q('transport="udp",type="A",rcode="NXDOMAIN"'), 1);
    assert.equal(await q('transport="tcp",type="SRV",rcode="NOERROR"'), 1);
    assert.equal(await value(registry, 'poseidon_dns_forwarded_total{outcome="answered"}'), 1);
    assert.equal(await value(registry, 'poseidon_dns_dropped_total{transport="udp"}'), 1);
    assert.equal(await value(registry, 'poseidon_dns_answer_seconds_count{source="table"}'), 4);
    assert.equal(await value(registry, 'poseidon_dns_answer_seconds_count{source="forwarded"}'), 1);
    // the forwarded answer waited out the silent resolver: it is in no bucket below its timeout
    assert.equal(await value(registry, 'poseidon_dns_answer_seconds_bucket{le="0.1",source="forwarded"}'), 0);

    // --no-recursion: a name outside the zone is refused and counted so; a type outside the list is "other"
    const strictRegistry = new Registry();
    const strict = await startDnsServer({
      table,
      log,
      registry: strictRegistry,
      recursion: false,
      listen: [{ host: '127.0.0.1', port: 0 }],
    });
    servers.push(strict);
    const strictPort = strict.addresses[0]?.port ?? 0;
    await udp(strictPort, query('example.org', 'A'));
    await udp(strictPort, query('web.svc.poseidon.cluster', 'NAPTR'));
    assert.equal(await value(strictRegistry, 'poseidon_dns_refused_total{transport="udp"}'), 1);
    const sq = (labels: string): Promise<number> => value(strictRegistry, `poseidon_dns_queries_total{${labels}}`);
    assert.equal(await sq('transport="udp",type="A",rcode="REFUSED"'), 1);
    assert.equal(await sq('transport="udp",type="other",rcode="NOERROR"'), 1);

    // a forward that no resolver answers is a SERVFAIL, counted as a failed forward
    const deafRegistry = new Registry();
    const deaf = await startDnsServer({
      table,
      log,
      registry: deafRegistry,
      listen: [{ host: '127.0.0.1', port: 0 }],
      upstream: { servers: [{ host: '127.0.0.1', port: silent.address().port }], timeoutMs: 100 },
    });
    servers.push(deaf);
    await udp(deaf.addresses[0]?.port ?? 0, query('example.org', 'AAAA'));
    assert.equal(await value(deafRegistry, 'poseidon_dns_forwarded_total{outcome="failed"}'), 1);
    const failed = 'poseidon_dns_queries_total{transport="udp",type="AAAA",rcode="SERVFAIL"}';
    assert.equal(await value(deafRegistry, failed), 1);
  } finally {
    for (const s of servers) await s.close();
    answering.close();
    silent.close();
  }
});
