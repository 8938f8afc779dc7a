import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { test } from 'node:test';
import { waitFor } from '../../integration/helpers/wait-for.js';
import {
  block,
  closeAll,
  endpoint,
  EPOCH,
  greet,
  metric,
  oneShot,
  serviceView,
  startRig,
  tcpReplica,
} from './loopback.js';

// The proxy in tcp mode over real sockets on the loopback network (see loopback.ts).

test('a dead replica is passed over: every connection reaches a live one, and it is set aside after three', async () => {
  const net = block();
  const a = await tcpReplica('a', `${net}.2`, 0);
  const b = await tcpReplica('b', `${net}.3`, a.port);
  const ports = [{ name: null, port: a.port, protocol: 'tcp' as const, balance: 'round-robin' as const }];
  const eps = [endpoint('dead', `${net}.9`), endpoint('a', `${net}.2`), endpoint('b', `${net}.3`)];
  const rig = await startRig([serviceView('web', `${net}.1`, ports, eps)]);
  try {
    const seen: string[] = [];
    for (let i = 0; i < 12; i++) seen.push(await oneShot(`${net}.1`, a.port));
    assert.deepEqual(new Set(seen), new Set(['a', 'b']));
    assert.equal(await metric(rig.registry, 'poseidon_proxy_failed_connects_total', 'web'), 3);
    assert.equal(await metric(rig.registry, 'poseidon_proxy_replicas_set_aside_total', 'web'), 1);
    assert.equal(await metric(rig.registry, 'poseidon_proxy_retries_total', 'web'), 3);
    assert.equal(await metric(rig.registry, 'poseidon_proxy_connections_total', 'web'), 12);
    assert.deepEqual(rig.vips.added, [`${net}.1`]);
  } finally {
    await rig.proxy.close();
    await closeAll([a.server, b.server]);
  }
  assert.deepEqual(rig.vips.removed, [`${net}.1`]);
});

test('no ready replica: the client connection is closed, and counted as unserved', async () => {
  const net = block();
  const a = await tcpReplica('a', `${net}.2`, 0);
  const ports = [{ name: null, port: a.port, protocol: 'tcp' as const }];
  const rig = await startRig([serviceView('web', `${net}.1`, ports, [endpoint('a', `${net}.2`, 'starting')])]);
  try {
    const socket = connect({ host: `${net}.1`, port: a.port });
    socket.on('error', () => {});
    socket.resume();
    await once(socket, 'close');
    assert.equal(a.sockets.size, 0);
    assert.equal(await metric(rig.registry, 'poseidon_proxy_unserved_total', 'web'), 1);
  } finally {
    await rig.proxy.close();
    await closeAll([a.server]);
  }
});

async function balanceRun(balance: 'least-conn' | 'round-robin'): Promise<{ held: string; after: string[] }> {
  const net = block();
  const a = await tcpReplica('a', `${net}.2`, 0);
  const b = await tcpReplica('b', `${net}.3`, a.port);
  const ports = [{ name: null, port: a.port, protocol: 'tcp' as const, balance }];
  const rig = await startRig([
    serviceView('web', `${net}.1`, ports, [endpoint('a', `${net}.2`), endpoint('b', `${net}.3`)]),
  ]);
  try {
    const held = await greet(`${net}.1`, a.port);
    const after: string[] = [];
    for (let i = 0; i < 4; i++) {
      after.push(await oneShot(`${net}.1`, a.port));
      // the next connection is placed once the proxy has closed its side of this one
      await waitFor(async () => (await metric(rig.registry, 'poseidon_proxy_open_connections', 'web')) === 1, {
        what: 'one open connection',
      });
    }
    held.socket.destroy();
    return { held: held.line, after };
  } finally {
    await rig.proxy.close();
    await closeAll([a.server, b.server]);
  }
}

test('least-conn sends new connections to the replica with fewer open ones', async () => {
  const { held, after } = await balanceRun('least-conn');
  const other = held === 'a' ? 'b' : 'a';
  assert.deepEqual(after, [other, other, other, other]);
});

test('round-robin takes turns whatever the open connections', async () => {
  const { after } = await balanceRun('round-robin');
  assert.equal(after.filter((x) => x === 'a').length, 2);
  assert.equal(after.filter((x) => x === 'b').length, 2);
});

for (const version of ['v1', 'v2'] as const) {
  test(`PROXY ${version}: the replica receives the client's address and the virtual IP first`, async () => {
    const net = block();
    const a = await tcpReplica('a', `${net}.2`, 0);
    const ports = [{ name: null, port: a.port, protocol: 'tcp' as const, proxyProtocol: version }];
    const rig = await startRig([serviceView('web', `${net}.1`, ports, [endpoint('a', `${net}.2`)])]);
    try {
      const { socket } = await greet(`${net}.1`, a.port, `${net}.100`);
      const clientPort = socket.localPort as number;
      socket.write('hello');

      await waitFor(() => a.received.length === 1 && a.received[0]!.toString('latin1').endsWith('hello'), {
        what: 'the header and the client bytes',
      });
      const first = a.received[0]!;
      if (version === 'v1') {
        const line = `PROXY TCP4 ${net}.100 ${net}.1 ${clientPort} ${a.port}\r\n`;
        assert.equal(first.toString('latin1'), `${line}hello`);
      } else {
        assert.equal(first.subarray(0, 12).toString('hex'), '0d0a0d0a000d0a515549540a');
        assert.equal(first[12], 0x21);
        assert.equal(first[13], 0x11);
        assert.deepEqual(
          [...first.subarray(16, 24)],
          [...`${net}.100`.split('.'), ...`${net}.1`.split('.')].map(Number),
        );
        assert.equal(first.readUInt16BE(24), clientPort);
        assert.equal(first.readUInt16BE(26), a.port);
        assert.equal(first.subarray(28).toString('latin1'), 'hello');
      }
      socket.destroy();
    } finally {
      await rig.proxy.close();
      await closeAll([a.server]);
    }
  });
}

test('half-close: the client ends its side and still reads what the replica sends after', async () => {
  const net = block();
  const a = await tcpReplica('a', `${net}.2`, 0);
  // a replica that answers only once the client has ended: the total of what it got
  a.server.removeAllListeners('connection');
  a.server.on('connection', (s) => {
    let n = 0;
    s.on('data', (c: Buffer) => (n += c.length));
    s.on('end', () => s.end(`got ${n}\n`));
  });
  const ports = [{ name: null, port: a.port, protocol: 'tcp' as const }];
  const rig = await startRig([serviceView('web', `${net}.1`, ports, [endpoint('a', `${net}.2`)])]);
  try {
    const socket = connect({ host: `${net}.1`, port: a.port, allowHalfOpen: true });
    socket.setEncoding('utf8');
    let reply = '';
    socket.on('data', (c: string) => (reply += c));
    socket.end('x'.repeat(100_000));
    await once(socket, 'end');
    assert.equal(reply, 'got 100000\n');
    socket.destroy();
    await waitFor(async () => (await metric(rig.registry, 'poseidon_proxy_open_connections', 'web')) === 0, {
      what: 'no open connection left',
    });
  } finally {
    await rig.proxy.close();
    await closeAll([a.server]);
  }
});

test('draining: the open connection goes on, new ones go elsewhere, and drained fires when it ends', async () => {
  const net = block();
  const a = await tcpReplica('a', `${net}.2`, 0);
  const b = await tcpReplica('b', `${net}.3`, a.port);
  const ports = [{ name: null, port: a.port, protocol: 'tcp' as const }];
  const eps = [endpoint('a', `${net}.2`), endpoint('b', `${net}.3`)];
  const rig = await startRig([serviceView('web', `${net}.1`, ports, eps)]);
  try {
    const held = await greet(`${net}.1`, a.port);
    const drainingId = held.line;
    const next = eps.map((e) => (e.taskId === drainingId ? { ...e, state: 'draining' as const } : e));
    const drained = once(rig.proxy as unknown as NodeJS.EventEmitter, 'drained');
    rig.table.apply({
      type: 'service',
      epoch: EPOCH,
      revision: 2,
      service: serviceView('web', `${net}.1`, ports, next),
    });
    assert.deepEqual(rig.proxy.openConnections(), { [drainingId]: 1 });
    for (let i = 0; i < 4; i++) assert.notEqual(await oneShot(`${net}.1`, a.port), drainingId);
    // the held connection still carries bytes both ways
    held.socket.write('still here\n');
    const [echo] = (await once(held.socket, 'data')) as [string];
    assert.equal(echo, 'still here\n');
    held.socket.end();
    assert.deepEqual(await drained, [drainingId]);
    assert.deepEqual(rig.proxy.openConnections(), { [drainingId]: 0 });
  } finally {
    await rig.proxy.close();
    await closeAll([a.server, b.server]);
  }
});

test('table changes: a new service gets its VIP and listener, a removed one loses both', async () => {
  const net = block();
  const a = await tcpReplica('a', `${net}.2`, 0);
  const b = await tcpReplica('b', `${net}.3`, a.port);
  const ports = [{ name: null, port: a.port, protocol: 'tcp' as const }];
  const rig = await startRig([serviceView('web', `${net}.1`, ports, [endpoint('a', `${net}.2`)])]);
  try {
    rig.table.apply({
      type: 'service',
      epoch: EPOCH,
      revision: 2,
      service: serviceView('api', `${net}.10`, ports, [endpoint('b', `${net}.3`)]),
    });
    assert.equal(await waitFor(() => oneShot(`${net}.10`, a.port), { what: 'api on its VIP' }), 'b');
    assert.deepEqual(rig.vips.added, [`${net}.1`, `${net}.10`]);
    rig.table.apply({ type: 'removed', epoch: EPOCH, revision: 3, service: 'web' });
    await waitFor(() => rig.vips.removed.includes(`${net}.1`), { what: 'the VIP of web removed' });
    await assert.rejects(oneShot(`${net}.1`, a.port), /ECONNREFUSED/);
    assert.equal(await oneShot(`${net}.10`, a.port), 'b');
    // a replica that becomes ready is used at once
    rig.table.apply({
      type: 'service',
      epoch: EPOCH,
      revision: 4,
      service: serviceView('api', `${net}.10`, ports, [
        endpoint('b', `${net}.3`, 'unhealthy'),
        endpoint('a', `${net}.2`),
      ]),
    });
    assert.equal(await oneShot(`${net}.10`, a.port), 'a');
  } finally {
    await rig.proxy.close();
    await closeAll([a.server, b.server]);
  }
});
