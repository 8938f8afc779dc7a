import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Answer, DecodedPacket, Packet, RecordType } from 'dns-packet';
import { resolve, RCODE, type AnswerOptions } from '../../../src/dns/index.js';
import { endpoint, service, tableOf } from './table-fixture.js';

// The DNS server's answers from a host's endpoint table: only ready replicas, VIPs for service
// names, SRV with targets that resolve, PTR for VIPs, NXDOMAIN with the SOA for unknown names in
// the zone, and everything else forwarded (or REFUSED without recursion).

const ZONE = 'svc.poseidon.cluster';
const OPTS: AnswerOptions = { zone: ZONE, ttl: 5, recursion: true };

const table = tableOf(
  service('web', '10.213.128.1', [
    endpoint(1, 'ready'),
    endpoint(2, 'starting'),
    endpoint(3, 'unhealthy'),
    endpoint(4, 'draining'),
    endpoint(5, 'ready'),
    endpoint(6, 'ready', null),
  ]),
  service('db', '10.213.128.2', []),
  service('shop-db', '10.213.128.3', []),
);

function query(name: string, type: RecordType | 'ANY', extra: Partial<DecodedPacket> = {}): DecodedPacket {
  return {
    id: 42,
    type: 'query',
    flags: 1 << 8,
    flag_qr: false,
    flag_aa: false,
    flag_tc: false,
    flag_rd: true,
    flag_ra: false,
    flag_z: false,
    flag_ad: false,
    flag_cd: false,
    questions: [{ name, type: type as RecordType, class: 'IN' }],
    answers: [],
    authorities: [],
    additionals: [],
    ...extra,
  };
}

function answer(name: string, type: RecordType | 'ANY', opts = OPTS): Packet {
  const r = resolve(query(name, type), table, opts);
  assert.equal(r.kind, 'reply');
  return r.kind === 'reply' ? r.packet : {};
}

const rcode = (p: Packet): number => (p.flags ?? 0) & 0xf;
const data = (records: Answer[] | undefined): unknown[] => (records ?? []).map((r) => ('data' in r ? r.data : r.type));

test('a service name answers its virtual IP, authoritatively, with the TTL', () => {
  const p = answer('web.svc.poseidon.cluster', 'A');
  assert.equal(rcode(p), RCODE.NOERROR);
  assert.deepEqual(p.answers, [{ type: 'A', name: 'web.svc.poseidon.cluster', ttl: 5, data: '10.213.128.1' }]);
  assert.ok((p.flags ?? 0) & (1 << 10), 'AA');
  assert.equal(p.id, 42);
});

test('tasks.<service> answers the ready replicas and nothing else', () => {
  assert.deepEqual(data(answer('tasks.web.svc.poseidon.cluster', 'A').answers), ['10.213.0.1', '10.213.0.5']);
});

test('a service with no ready replica answers no address (NODATA with the SOA), not NXDOMAIN', () => {
  const p = answer('tasks.db.svc.poseidon.cluster', 'A');
  assert.equal(rcode(p), RCODE.NOERROR);
  assert.deepEqual(p.answers, []);
  assert.deepEqual(
    (p.authorities ?? []).map((r) => r.type),
    ['SOA'],
  );
});

test('SRV answers each ready replica with its port, and each target resolves (in additionals and by name)', () => {
  const p = answer('_http._tcp.web.svc.poseidon.cluster', 'SRV');
  assert.deepEqual(data(p.answers), [
    { priority: 0, weight: 1, port: 80, target: '10-213-0-1.tasks.web.svc.poseidon.cluster' },
    { priority: 0, weight: 1, port: 80, target: '10-213-0-5.tasks.web.svc.poseidon.cluster' },
  ]);
  assert.deepEqual(
    (p.additionals ?? []).map((r) => [r.name, 'data' in r ? r.data : null]),
    [
      ['10-213-0-1.tasks.web.svc.poseidon.cluster', '10.213.0.1'],
      ['10-213-0-5.tasks.web.svc.poseidon.cluster', '10.213.0.5'],
    ],
  );
  assert.deepEqual(data(answer('10-213-0-5.tasks.web.svc.poseidon.cluster', 'A').answers), ['10.213.0.5']);
});

test('a replica that is not ready has no name of its own', () => {
  for (const n of [2, 3, 4]) assert.equal(rcode(answer(`10-213-0-${n}.tasks.web.svc.poseidon.cluster`, 'A')), 3);
});

test('SRV is per protocol: a udp port under _udp, an http port under _tcp, unknown or unnamed ports NXDOMAIN', () => {
  assert.deepEqual(
    data(answer('_dns._udp.web.svc.poseidon.cluster', 'SRV').answers).map((d) => (d as { port: number }).port),
    [53, 53],
  );
  assert.equal(rcode(answer('_dns._tcp.web.svc.poseidon.cluster', 'SRV')), RCODE.NXDOMAIN);
  assert.equal(rcode(answer('_http._udp.web.svc.poseidon.cluster', 'SRV')), RCODE.NXDOMAIN);
  assert.equal(rcode(answer('_ssh._tcp.web.svc.poseidon.cluster', 'SRV')), RCODE.NXDOMAIN);
});

test('PTR of a virtual IP names its service; a reverse name of another address is forwarded', () => {
  assert.deepEqual(data(answer('1.128.213.10.in-addr.arpa', 'PTR').answers), ['web.svc.poseidon.cluster']);
  assert.deepEqual(resolve(query('9.9.213.10.in-addr.arpa', 'PTR'), table, OPTS), { kind: 'forward' });
});

test("<name>.<stack> answers the VIP of the stack's service <stack>-<name> (a container's `db`, by its search domain)", () => {
  const p = answer('db.shop.svc.poseidon.cluster', 'A');
  assert.equal(rcode(p), RCODE.NOERROR);
  assert.deepEqual(p.answers, [{ type: 'A', name: 'db.shop.svc.poseidon.cluster', ttl: 5, data: '10.213.128.3' }]);
  // the same service by its own name; tasks.<service> keeps its meaning
  assert.deepEqual(data(answer('shop-db.svc.poseidon.cluster', 'A').answers), ['10.213.128.3']);
  assert.deepEqual(data(answer('tasks.web.svc.poseidon.cluster', 'A').answers), ['10.213.0.1', '10.213.0.5']);
});

test("tasks.<name>.<stack> answers the ready replicas of the stack's service <stack>-<name> (a container's tasks.api)", () => {
  const t = tableOf(service('shop-api', '10.213.128.9', [endpoint(1, 'ready'), endpoint(2, 'starting')]));
  const tasks = (name: string): unknown[] => {
    const r = resolve(query(name, 'A'), t, OPTS);
    return r.kind === 'reply' ? data(r.packet.answers) : [];
  };
  assert.deepEqual(tasks('tasks.api.shop.svc.poseidon.cluster'), ['10.213.0.1']);
  assert.deepEqual(tasks('tasks.shop-api.svc.poseidon.cluster'), ['10.213.0.1']);
  const other = resolve(query('tasks.web.shop.svc.poseidon.cluster', 'A'), t, OPTS);
  assert.equal(other.kind === 'reply' ? rcode(other.packet) : -1, RCODE.NXDOMAIN, 'no service shop-web');
});

test('unknown names in the zone are NXDOMAIN with the SOA in authority', () => {
  for (const name of [
    'nope.svc.poseidon.cluster',
    'tasks.nope.svc.poseidon.cluster',
    'a.b.c.d.svc.poseidon.cluster',
    'web.shop.svc.poseidon.cluster',
  ]) {
    const p = answer(name, 'A');
    assert.equal(rcode(p), RCODE.NXDOMAIN, name);
    assert.deepEqual(
      (p.authorities ?? []).map((r) => [r.type, r.name]),
      [['SOA', ZONE]],
    );
  }
});

test('another type of an existing name is NODATA; the apex answers its SOA', () => {
  const aaaa = answer('web.svc.poseidon.cluster', 'AAAA');
  assert.equal(rcode(aaaa), RCODE.NOERROR);
  assert.deepEqual(aaaa.answers, []);
  assert.deepEqual(
    (answer('svc.poseidon.cluster', 'SOA').answers ?? []).map((r) => r.type),
    ['SOA'],
  );
});

test('names are matched whatever their case, and echoed as asked', () => {
  const p = answer('WeB.Svc.Poseidon.Cluster.', 'A');
  assert.deepEqual(data(p.answers), ['10.213.128.1']);
  assert.equal(p.answers?.[0]?.name, 'WeB.Svc.Poseidon.Cluster.');
});

test('names outside the zone are forwarded, or REFUSED with --no-recursion', () => {
  assert.deepEqual(resolve(query('example.org', 'A'), table, OPTS), { kind: 'forward' });
  const refused = answer('example.org', 'A', { ...OPTS, recursion: false });
  assert.equal(rcode(refused), RCODE.REFUSED);
  assert.equal((refused.flags ?? 0) & (1 << 7), 0, 'no RA without recursion');
});

test('a query with no question or two is FORMERR; another opcode NOTIMP', () => {
  assert.equal(rcode(resolvePacket(query('web.svc.poseidon.cluster', 'A', { questions: [] }))), RCODE.FORMERR);
  const two = query('web.svc.poseidon.cluster', 'A');
  two.questions?.push({ name: 'db.svc.poseidon.cluster', type: 'A' });
  assert.equal(rcode(resolvePacket(two)), RCODE.FORMERR);
  assert.equal(rcode(resolvePacket(query('web.svc.poseidon.cluster', 'A', { flags: 2 << 11 }))), RCODE.NOTIMP);
});

test('a change in the table changes the answer at once', () => {
  const t = tableOf(service('api', '10.213.128.9', [endpoint(1, 'ready'), endpoint(2, 'ready')]));
  const tasks = (): unknown[] => {
    const r = resolve(query('tasks.api.svc.poseidon.cluster', 'A'), t, OPTS);
    return r.kind === 'reply' ? data(r.packet.answers) : [];
  };
  assert.deepEqual(tasks(), ['10.213.0.1', '10.213.0.2']);
  t.apply({
    type: 'service',
    epoch: 'e1',
    revision: 8,
    service: service('api', '10.213.128.9', [endpoint(1, 'draining'), endpoint(2, 'ready')]),
  });
  assert.deepEqual(tasks(), ['10.213.0.2']);
  t.apply({ type: 'removed', epoch: 'e1', revision: 9, service: 'api' });
  const gone = resolve(query('tasks.api.svc.poseidon.cluster', 'A'), t, OPTS);
  assert.equal(gone.kind === 'reply' ? rcode(gone.packet) : -1, RCODE.NXDOMAIN);
});

function resolvePacket(q: DecodedPacket): Packet {
  const r = resolve(q, table, OPTS);
  return r.kind === 'reply' ? r.packet : {};
}
