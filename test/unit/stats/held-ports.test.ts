import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { HOST_PORT_KEY_PATTERN } from '../../../src/api/index.js';
import { blocksPublish, parseHeldSockets, readHeldPorts } from '../../../src/stats/index.js';

// Rows as Linux prints them (the header, then one socket a line; trailing columns cut short).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1181 1
   1: 0100007F:1651 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1182 1
   2: 0100007F:A2C4 0100007F:1651 01 00000000:00000000 00:00000000 00000000     0        0 1183 1
   3: 0900000A:2328 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1184 1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000
   1: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000
   2: 0000000000000000FFFF00000100007F:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000
   3: 00000000000000000000000001000000:0FA0 00000000000000000000000000000000:0000 0A 00000000:00000000
`;
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 2201 2 0 0
  101: 0100007F:D431 0100007F:0035 01 00000000:00000000 00:00000000 00000000     0        0 2202 2 0 0
`;

let root: string | undefined;
after(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

test('listening tcp sockets and bound udp ones hold their ports, with their addresses; connections do not', () => {
  assert.deepEqual(parseHeldSockets(TCP, 'tcp'), [
    { address: '0.0.0.0', port: 8080 },
    { address: '127.0.0.1', port: 5713 },
    { address: '10.0.0.9', port: 9000 },
  ]);
  assert.deepEqual(parseHeldSockets(TCP6, 'tcp'), [
    { address: '0:0:0:0:0:0:0:0', port: 8080 },
    { address: '0:0:0:0:0:0:0:0', port: 22 },
    { address: '127.0.0.1', port: 3000 }, // IPv4-mapped
    { address: '0:0:0:0:0:0:0:1', port: 4000 },
  ]);
  assert.deepEqual(parseHeldSockets(UDP, 'udp'), [{ address: '127.0.0.53', port: 53 }]);
  assert.deepEqual(parseHeldSockets(TCP.split('\n')[0] as string, 'tcp'), [], 'a table with no sockets');
});

test('a row that is not a socket is refused, naming its line', () => {
  assert.throws(() => parseHeldSockets(`${TCP}   3: garbage\n`, 'tcp'), /line 6 is not a socket/);
  assert.throws(
    () => parseHeldSockets(`${TCP}   3: 00000000:XYZ 00000000:0000 0A\n`, 'tcp'),
    /line 6 has no address and port/,
  );
});

test('a socket keeps Docker from publishing on an address when either is a wildcard or they are the same', () => {
  assert.equal(blocksPublish('0.0.0.0', '127.0.0.1'), true);
  assert.equal(blocksPublish('0:0:0:0:0:0:0:0', '127.0.0.1'), true, ':: takes IPv4 too');
  assert.equal(blocksPublish('127.0.0.1', '0.0.0.0'), true);
  assert.equal(blocksPublish('127.0.0.1', '127.0.0.1'), true);
  assert.equal(blocksPublish('127.0.0.53', '127.0.0.1'), false);
  assert.equal(blocksPublish('0:0:0:0:0:0:0:1', '::1'), true);
  assert.equal(blocksPublish('0:0:0:0:0:0:0:1', '127.0.0.1'), false);
});

test('readHeldPorts merges the four tables in port order, each port once, and skips a table that is missing', async () => {
  root = await mkdtemp(join(tmpdir(), 'poseidon-held-ports-'));
  await mkdir(join(root, 'net'));
  await writeFile(join(root, 'net', 'tcp'), TCP);
  await writeFile(join(root, 'net', 'tcp6'), TCP6);
  await writeFile(join(root, 'net', 'udp'), UDP); // no udp6: a host without IPv6
  const loopbackAndEvery = [
    '22/tcp',
    '127.0.0.53:53/udp',
    '127.0.0.1:3000/tcp',
    '[::1]:4000/tcp',
    '127.0.0.1:5713/tcp',
  ];
  assert.deepEqual(
    await readHeldPorts(root),
    [...loopbackAndEvery, '8080/tcp', '10.0.0.9:9000/tcp'],
    'publishing on every address: each socket, on its address (none for a wildcard)',
  );
  assert.deepEqual(
    await readHeldPorts(root, '127.0.0.1'),
    [...loopbackAndEvery, '8080/tcp'],
    'publishing on 127.0.0.1: the wildcards and the loopback addresses, which a port asking for one takes',
  );
  assert.deepEqual(
    await readHeldPorts(root, '10.0.0.9'),
    [...loopbackAndEvery, '8080/tcp', '10.0.0.9:9000/tcp'],
    'publishing on 10.0.0.9: its own address too; loopback ones all the same',
  );
  await writeFile(join(root, 'net', 'udp6'), 'header\n  0: nonsense\n');
  await assert.rejects(readHeldPorts(root), /cannot parse .*udp6: line 2 is not a socket/);
});

test("this machine's own tables parse", async () => {
  const held = await readHeldPorts();
  for (const key of held) assert.match(key, new RegExp(HOST_PORT_KEY_PATTERN));
});
