import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import type { EndpointView, ServicePortView } from '../../../src/api/endpoints.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { waitFor } from '../../integration/helpers/wait-for.js';
import { block, endpoint, EPOCH, metric, serviceView, startRig, type Rig } from './loopback.js';
import { answeredBy, closeUdp, udpClient, udpReplica, type UdpReplica } from './udp-rig.js';

// The proxy's udp ports with real datagrams on the loopback network: the proxy's socket on
// 127.x.y.1 (its "virtual IP"), echo replicas on .2, .3, … that answer `name:datagram`, and
// clients each on a socket of their own (one flow each, as the proxy keys flows by address:port).

interface Setup {
  net: string;
  vip: string;
  port: number;
  replicas: UdpReplica[];
  ports: ServicePortView[];
  eps: EndpointView[];
  rig: Rig;
}

async function setup(
  names: string[],
  opts: Parameters<typeof startRig>[1] & { balance?: 'round-robin' } = {},
): Promise<Setup> {
  const net = block();
  const replicas: UdpReplica[] = [];
  for (const [i, name] of names.entries())
    replicas.push(await udpReplica(name, `${net}.${i + 2}`, replicas[0]?.port ?? 0));
  const port = replicas[0]?.port ?? 0;
  const ports: ServicePortView[] = [
    { name: null, port, protocol: 'udp', ...(opts.balance === undefined ? {} : { balance: opts.balance }) },
  ];
  const eps = names.map((name, i) => endpoint(name, `${net}.${i + 2}`));
  const rig = await startRig([serviceView('dns', `${net}.1`, ports, eps)], opts);
  return { net, vip: `${net}.1`, port, replicas, ports, eps, rig };
}

async function teardown(s: Setup): Promise<void> {
  await s.rig.proxy.close();
  closeUdp(s.replicas);
}

function update(s: Setup, eps: EndpointView[], revision: number): void {
  s.rig.table.apply({ type: 'service', epoch: EPOCH, revision, service: serviceView('dns', s.vip, s.ports, eps) });
}

const udp = (s: Setup, name: string): Promise<number> => metric(s.rig.registry, `poseidon_proxy_udp_${name}`, 'dns');

async function datagrams(s: Setup, direction: 'in' | 'out'): Promise<number> {
  const all = await s.rig.registry.getMetricsAsJSON();
  const values = (all.find((m) => m.name === 'poseidon_proxy_udp_datagrams_total')?.values ?? []) as Array<{
    labels: Record<string, string>;
    value: number;
  }>;
  return values.find((v) => v.labels.direction === direction)?.value ?? 0;
}

test('datagrams both ways, replies from VIP:port, one flow stays on one replica, new flows spread', async () => {
  const s = await setup(['a', 'b'], { balance: 'round-robin' });
  const clients = await Promise.all([1, 2, 3, 4].map(() => udpClient(s.vip, s.port)));
  try {
    const first = clients[0]!;
    const answers = [];
    for (let i = 0; i < 5; i++) {
      const got = await first.ask(`q${i}`);
      assert.equal(got.from, `${s.vip}:${s.port}`, 'the reply comes from the VIP and port asked');
      assert.match(got.text, new RegExp(`^[ab]:q${i}$`));
      answers.push(answeredBy(got.text));
    }
    assert.equal(new Set(answers).size, 1, `one flow, one replica: ${answers.join(',')}`);
    const others = [];
    for (const c of clients.slice(1)) others.push(answeredBy((await c.ask('hi')).text));
    assert.deepEqual(new Set([answers[0], ...others]), new Set(['a', 'b']), 'new flows go to both replicas');
    // a datagram near the largest a UDP payload holds goes through whole, both ways
    const big = Buffer.alloc(65_000, 7);
    const got = await first.ask(big);
    assert.equal(got.bytes.length, 65_002);
    assert.ok(got.bytes.subarray(2).equals(big));
    assert.equal(await datagrams(s, 'in'), 9);
    assert.equal(await datagrams(s, 'out'), 9);
    assert.equal(await udp(s, 'flows_total'), 4);
    assert.equal(await udp(s, 'flows_open'), 4);
  } finally {
    closeUdp(clients);
    await teardown(s);
  }
});

test('a flow idle for the timeout ends; a datagram either way keeps it; the next datagram begins a new flow', async () => {
  const clock = new FakeClock();
  const s = await setup(['a', 'b'], { balance: 'round-robin', clock, udp: { idleMs: 1_000 } });
  const client = await udpClient(s.vip, s.port);
  try {
    const first = answeredBy((await client.ask('one')).text);
    clock.advance(600);
    assert.equal(answeredBy((await client.ask('two')).text), first, 'within the timeout: the same flow');
    clock.advance(600); // 1,200 ms since the flow began, 600 since its last datagram
    assert.equal(await udp(s, 'flows_open'), 1);
    assert.equal(answeredBy((await client.ask('three')).text), first);
    clock.advance(1_000);
    assert.equal(await udp(s, 'flows_open'), 0, 'idle for the timeout: ended');
    assert.deepEqual(s.rig.proxy.openConnections(), {});
    const next = answeredBy((await client.ask('four')).text);
    assert.notEqual(next, first, 'a new flow, the next replica round the list');
    assert.equal(await udp(s, 'flows_total'), 2);
  } finally {
    client.close();
    await teardown(s);
  }
});

test('draining: its flow goes on, new flows go elsewhere, drained once it idles out; gone replicas end flows', async () => {
  const clock = new FakeClock();
  const s = await setup(['a', 'b'], { clock, udp: { idleMs: 1_000 } });
  const held = await udpClient(s.vip, s.port);
  const fresh = await Promise.all([1, 2, 3].map(() => udpClient(s.vip, s.port)));
  try {
    const drainingId = answeredBy((await held.ask('x')).text);
    const otherId = drainingId === 'a' ? 'b' : 'a';
    update(
      s,
      s.eps.map((e) => (e.taskId === drainingId ? { ...e, state: 'draining' as const } : e)),
      2,
    );
    assert.deepEqual(s.rig.proxy.openConnections(), { [drainingId]: 1 }, 'its open flow is reported');
    for (const c of fresh) assert.equal(answeredBy((await c.ask('new')).text), otherId);
    assert.equal(answeredBy((await held.ask('still')).text), drainingId, 'the held flow still goes to it');
    const drained = once(s.rig.proxy as unknown as NodeJS.EventEmitter, 'drained');
    clock.advance(1_000);
    assert.deepEqual(await drained, [drainingId]);
    assert.deepEqual(s.rig.proxy.openConnections(), { [drainingId]: 0 });
    // the other replica leaves the endpoints (the drained one is ready again): its flows end at once
    assert.equal(await udp(s, 'flows_open'), 0);
    for (const c of fresh) assert.equal(answeredBy((await c.ask('again')).text), otherId);
    assert.equal(await udp(s, 'flows_open'), 3);
    update(
      s,
      s.eps.filter((e) => e.taskId === drainingId),
      3,
    );
    await waitFor(async () => (await udp(s, 'flows_open')) === 0, { what: "the gone replica's flows ended" });
    for (const c of fresh) assert.equal(answeredBy((await c.ask('moved')).text), drainingId);
  } finally {
    closeUdp([held, ...fresh]);
    await teardown(s);
  }
});

test('a port holds its most flows: a new one ends the flow idle longest, counted', async () => {
  const s = await setup(['a', 'b'], { udp: { maxFlows: 2 } });
  const [c1, c2, c3] = await Promise.all([1, 2, 3].map(() => udpClient(s.vip, s.port)));
  try {
    await c1!.ask('1');
    await c2!.ask('2');
    await c1!.ask('1 again'); // c2's is now the flow idle longest
    await c3!.ask('3');
    assert.equal(await udp(s, 'flows_evicted_total'), 1);
    assert.equal(await udp(s, 'flows_open'), 2);
    await c1!.ask('1 kept');
    assert.equal(await udp(s, 'flows_total'), 3, "c1's flow was kept");
    await c2!.ask('2 back');
    assert.equal(await udp(s, 'flows_total'), 4, "c2's flow had ended: a new one");
    assert.equal(await udp(s, 'flows_evicted_total'), 2);
  } finally {
    closeUdp([c1!, c2!, c3!]);
    await teardown(s);
  }
});

test('no ready replica: dropped and counted; a replica refusing (port unreachable) is a failed connect', async () => {
  const s = await setup(['a']);
  const client = await udpClient(s.vip, s.port);
  try {
    update(s, [], 2);
    client.socket.send('lost', s.port, s.vip);
    await waitFor(async () => (await s.rig.registry.metrics()).includes('reason="no_replica"} 1'), {
      what: 'the datagram dropped for want of a replica',
    });
    // a replica nothing listens on: the ICMP port unreachable fails the flow
    update(s, [endpoint('gone', `${s.net}.9`)], 3);
    client.socket.send('to nobody', s.port, s.vip);
    await waitFor(async () => (await metric(s.rig.registry, 'poseidon_proxy_failed_connects_total', 'dns')) === 1, {
      what: 'a failed connect counted',
    });
    await waitFor(async () => (await udp(s, 'flows_open')) === 0, { what: 'the failed flow ended' });
  } finally {
    client.close();
    await teardown(s);
  }
});

test('a port turned from udp to tcp: its udp socket closes and its flows end', async () => {
  const s = await setup(['a']);
  const client = await udpClient(s.vip, s.port);
  try {
    assert.equal((await client.ask('x')).text, 'a:x');
    s.ports.splice(0, 1, { name: null, port: s.port, protocol: 'tcp' });
    update(s, s.eps, 2);
    await waitFor(async () => (await udp(s, 'flows_open')) === 0, { what: 'the udp flow ended with its port' });
    // the VIP's udp port is free again: a socket of the test's own binds it
    const free = createSocket('udp4');
    free.bind({ address: s.vip, port: s.port, exclusive: true });
    await once(free, 'listening');
    free.close();
  } finally {
    client.close();
    await teardown(s);
  }
});
