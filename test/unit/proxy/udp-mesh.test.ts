import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { connect } from 'node:tls';
import type { EndpointView, ServicePortView, WorkerTaskView } from '../../../src/api/index.js';
import { frame, FrameReader, MAX_FRAME_BYTES } from '../../../src/tunnel/udp-frames.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { workerTaskView } from '../../helpers/worker-task-view.js';
import { waitFor } from '../../integration/helpers/wait-for.js';
import { block, endpoint, metric, serviceView, startRig } from './loopback.js';
import { cluster, tunnelCount, tunnelWorker, type Cluster, type TunnelWorker } from './mesh-rig.js';
import { answeredBy, closeUdp, udpClient, udpReplica, type UdpReplica } from './udp-rig.js';

// Datagrams through a worker's udp tunnel (`?proto=udp`): framed over the TLS stream, sent by
// the worker as datagrams to the replica, the replies framed back; a real worker tunnel (mutual
// TLS) in front of udp echo replicas on the loopback network.

test('frames: datagrams of 0 to 65,535 bytes come back whole, however the stream is cut', () => {
  const datagrams = [Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(300, 1), Buffer.alloc(MAX_FRAME_BYTES, 2)];
  const stream = Buffer.concat(datagrams.map(frame));
  assert.throws(() => frame(Buffer.alloc(MAX_FRAME_BYTES + 1)), RangeError);
  const cuts: Array<(b: Buffer) => Buffer[]> = [
    (b) => [b], // all joined in one chunk
    (b) => [...b].map((x) => Buffer.from([x])), // one byte at a time
    (b) => [b.subarray(0, 1), b.subarray(1, 7), b.subarray(7, 400), b.subarray(400)], // a length prefix split too
  ];
  for (const cut of cuts) {
    const got: Buffer[] = [];
    const reader = new FrameReader((d) => got.push(Buffer.from(d)));
    for (const chunk of cut(stream)) reader.push(chunk);
    assert.deepEqual(got, datagrams);
    assert.equal(reader.pending, 0);
  }
});

describe('udp through a worker tunnel', () => {
  let c: Cluster;
  let worker: TunnelWorker;
  let net: string;
  let far: UdpReplica;
  let tcpOnly: UdpReplica;
  let mesh: { hostId: string; tls: () => { ca: string; cert: string; key: string } };
  const tasks = new Map<string, WorkerTaskView>();

  before(async () => {
    c = await cluster();
    net = block();
    far = await udpReplica('far', `${net}.2`, 0);
    tcpOnly = await udpReplica('tcponly', `${net}.3`, far.port);
    const replica = (id: string, address: string, protocol: 'tcp' | 'udp'): WorkerTaskView =>
      workerTaskView(id, {
        labels: { 'poseidon.service': 'dns' },
        ports: [{ container: far.port, host: 0, protocol }],
        address,
      });
    tasks.set('far', replica('far', `${net}.2`, 'udp'));
    // an older worker's answer, or a spec without the udp port: refused, never reached
    tasks.set('tcponly', replica('tcponly', `${net}.3`, 'tcp'));
    worker = await tunnelWorker(c, tasks);
    const own = { ca: c.ca, ...(await c.issue('worker')) };
    mesh = { hostId: 'host-a', tls: () => own };
  });
  after(async () => {
    await worker.close();
    closeUdp([far, tcpOnly]);
  });

  const remote = (id: string, address: string): EndpointView => ({
    ...endpoint(id, address),
    hostId: 'host-b',
    via: worker.url,
  });
  const ports = (): ServicePortView[] => [{ name: null, port: far.port, protocol: 'udp', balance: 'round-robin' }];

  test('a flow is one tunnel: datagrams both ways, up to 64 KiB; it closes when the flow idles out', async () => {
    const clock = new FakeClock();
    const view = serviceView('dns', `${net}.1`, ports(), [remote('far', `${net}.2`)]);
    const rig = await startRig([view], { mesh, clock, udp: { idleMs: 1_000 } });
    const opened = await tunnelCount(worker.registry, 'opened');
    const client = await udpClient(`${net}.1`, far.port);
    try {
      for (let i = 0; i < 3; i++) assert.equal((await client.ask(`q${i}`)).text, `far:q${i}`);
      const big = Buffer.alloc(65_000, 9);
      const got = await client.ask(big);
      assert.ok(got.bytes.equals(Buffer.concat([Buffer.from('far:'), big])), 'the large datagram whole, both ways');
      assert.equal(await tunnelCount(worker.registry, 'opened'), opened + 1, 'one tunnel for the flow');
      assert.equal(await tunnelCount(worker.registry), 1);
      clock.advance(1_000);
      await waitFor(async () => (await tunnelCount(worker.registry)) === 0, {
        what: 'the idle flow closed its tunnel',
      });
      assert.equal((await client.ask('again')).text, 'far:again');
      assert.equal(await tunnelCount(worker.registry, 'opened'), opened + 2, 'a new flow, a new tunnel');
    } finally {
      client.close();
      await rig.proxy.close();
    }
  });

  test('a tunnel refused (no such udp port there) is a failed connect: the flow moves on with its datagram', async () => {
    const eps = [remote('tcponly', `${net}.3`), remote('far', `${net}.2`)];
    const rig = await startRig([serviceView('dns', `${net}.1`, ports(), eps)], { mesh });
    const refused = await tunnelCount(worker.registry, 'refused');
    const clients = await Promise.all([1, 2, 3, 4].map(() => udpClient(`${net}.1`, far.port)));
    try {
      for (const client of clients) assert.equal(answeredBy((await client.ask('hi')).text), 'far');
      assert.ok((await tunnelCount(worker.registry, 'refused')) > refused, 'the worker refused a tunnel');
      assert.ok((await metric(rig.registry, 'poseidon_proxy_failed_connects_total', 'dns')) >= 1);
      assert.ok((await metric(rig.registry, 'poseidon_proxy_retries_total', 'dns')) >= 1);
      assert.equal(tcpOnly.got, 0, 'nothing reached the replica whose spec has no such udp port');
    } finally {
      closeUdp(clients);
      await rig.proxy.close();
    }
  });

  test('the replica going away (port unreachable at the worker) ends the tunnel, and the flow with it', async () => {
    const brief = await udpReplica('brief', `${net}.4`, far.port);
    tasks.set('brief', { ...(tasks.get('far') as WorkerTaskView), id: 'brief', name: 'brief', address: `${net}.4` });
    const rig = await startRig([serviceView('dns', `${net}.1`, ports(), [remote('brief', `${net}.4`)])], { mesh });
    const client = await udpClient(`${net}.1`, far.port);
    try {
      assert.equal((await client.ask('hi')).text, 'brief:hi');
      assert.equal(await metric(rig.registry, 'poseidon_proxy_udp_flows_open', 'dns'), 1);
      closeUdp([brief]);
      client.socket.send('anyone?', far.port, `${net}.1`);
      await waitFor(async () => (await metric(rig.registry, 'poseidon_proxy_udp_flows_open', 'dns')) === 0, {
        what: 'the flow ended with its tunnel',
      });
      await waitFor(async () => (await tunnelCount(worker.registry)) === 0, { what: 'the tunnel closed' });
    } finally {
      tasks.delete('brief');
      client.close();
      await rig.proxy.close();
    }
  });

  test("the worker's side: frames joined in one write and split over several each go as one datagram", async () => {
    const asWorker = { ca: c.ca, ...(await c.issue('worker')) };
    const socket = connect({ host: '127.0.0.1', port: worker.port, ...asWorker, checkServerIdentity: () => undefined });
    socket.on('error', () => {});
    try {
      await once(socket, 'secureConnect');
      socket.write(
        `GET /tunnel/far/${far.port}?proto=udp HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n` +
          'Upgrade: poseidon-tunnel/1\r\n\r\n',
      );
      const replies: string[] = [];
      let head = '';
      const reader = new FrameReader((d) => replies.push(d.toString('latin1')));
      socket.on('data', (chunk: Buffer) => {
        if (!head.includes('\r\n\r\n')) {
          head += chunk.toString('latin1');
          const end = head.indexOf('\r\n\r\n');
          if (end >= 0) reader.push(Buffer.from(head.slice(end + 4), 'latin1'));
          return;
        }
        reader.push(chunk);
      });
      await waitFor(() => head.includes('\r\n\r\n'), { what: 'the answer' });
      assert.match(head, /^HTTP\/1\.1 101 /);
      socket.write(Buffer.concat([frame(Buffer.from('one')), frame(Buffer.from('two'))]));
      await waitFor(() => replies.length === 2, { what: 'two replies' });
      // one frame over three writes (TLS records), the stream flushed between them
      const third = frame(Buffer.from('three'));
      for (const [from, to] of [
        [0, 1],
        [1, 4],
        [4, third.length],
      ]) {
        await new Promise<void>((resolve) => socket.write(third.subarray(from, to), () => resolve()));
      }
      await waitFor(() => replies.length === 3, { what: 'the third reply' });
      assert.deepEqual([...replies].sort(), ['far:one', 'far:three', 'far:two']);
    } finally {
      socket.destroy();
    }
  });
});
