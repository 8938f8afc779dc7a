// One Node side of the `lb` benchmark in a process of its own, as the proxy runs in production
// (inside `poseidon worker`, not beside a benchmark's own work): `node lb-side-process.js <side>
// <addresses as JSON>`. It logs {"msg":"lb side listening","url":...} once it listens (the form
// testkit/spawner.ts waits for), and runs until it is stopped. The sides:
// - `proxy`: Poseidon's proxy (src/proxy/) over a fixed endpoint table of two services on the
//   replicas, one in http mode and one in tcp mode, least-connections;
// - `floor`: the least a Node TCP proxy can do: accept, connect to the next replica round-robin,
//   copy bytes both ways in the cheapest way Node offers. No balancing state, no retries, no
//   draining, no metrics: the most any proxy in one Node thread can reach on the same machine,
//   shown beside the others.
import { connect, createServer, type Socket } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { EndpointTable } from '../src/discovery/index.js';
import { startProxy } from '../src/proxy/index.js';
import type { LbAddresses } from './lb-references.js';

function fixedTable(a: LbAddresses): EndpointTable {
  const endpoints = a.replicas.map((address, i) => ({
    taskId: `replica-${i}`,
    slot: i + 1,
    version: 1,
    nodeId: null,
    node: null,
    state: 'ready' as const,
    address,
    ports: [],
  }));
  const service = (name: string, vip: string, protocol: 'tcp' | 'http') => ({
    service: name,
    vip,
    dnsNames: [],
    ports: [{ name: null, port: a.port, protocol }],
    endpoints,
    revision: 1,
  });
  const table = new EndpointTable();
  table.apply({
    type: 'snapshot',
    epoch: 'bench',
    revision: 1,
    services: [service('lb-http', a.proxyHttp, 'http'), service('lb-tcp', a.proxyTcp, 'tcp')],
  });
  return table;
}

async function startPoseidonProxy(a: LbAddresses): Promise<string> {
  // loopback addresses need no `ip addr`: the stand-in adds nothing
  const vips = { add: async (): Promise<void> => {}, remove: async (): Promise<void> => {} };
  await startProxy({
    table: fixedTable(a),
    network: 'lo',
    logger: pino({ level: 'warn' }),
    registry: new Registry(),
    vips,
  });
  return `tcp://${a.proxyTcp}:${a.port} http://${a.proxyHttp}:${a.port}`;
}

async function startFloor(a: LbAddresses): Promise<string> {
  let next = 0;
  // replicas' answers are read into one buffer all connections share (net's `onread`: no buffer
  // and no stream machinery per read), the cheapest read Node offers; requests go by pipe (an
  // accepted socket cannot be given `onread`)
  const shared = Buffer.alloc(64 * 1024);
  const server = createServer({ pauseOnConnect: true, noDelay: true }, (client: Socket) => {
    const replica = a.replicas[next++ % a.replicas.length] as string;
    const upstream: Socket = connect({
      host: replica,
      port: a.port,
      noDelay: true,
      onread: {
        buffer: shared,
        callback: (n, buf) => {
          // the shared buffer is read into again at once: what is written is a copy
          if (client.write(Buffer.from(buf.subarray(0, n)))) return true;
          client.once('drain', () => upstream.resume());
          return false;
        },
      },
    });
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close).on('end', close);
    upstream.once('connect', () => {
      client.pipe(upstream);
      client.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: a.floor, port: a.port }, resolve);
  });
  return `tcp://${a.floor}:${a.port}`;
}

const [side, json] = process.argv.slice(2);
const addresses = JSON.parse(json ?? '{}') as LbAddresses;
const url = side === 'floor' ? await startFloor(addresses) : await startPoseidonProxy(addresses);
process.stdout.write(`${JSON.stringify({ msg: 'lb side listening', side, url })}\n`);
