import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyHeaderV1, proxyHeaderV2 } from '../../../src/proxy/proxy-header.js';

const V4 = { sourceAddress: '10.1.2.3', sourcePort: 51000, destinationAddress: '10.213.128.5', destinationPort: 80 };

test('PROXY v1 names the client and the virtual IP it connected to', () => {
  assert.equal(proxyHeaderV1(V4).toString('latin1'), 'PROXY TCP4 10.1.2.3 10.213.128.5 51000 80\r\n');
  const mapped = { ...V4, sourceAddress: '::ffff:10.1.2.3', destinationAddress: '::ffff:10.213.128.5' };
  assert.equal(proxyHeaderV1(mapped).toString('latin1'), 'PROXY TCP4 10.1.2.3 10.213.128.5 51000 80\r\n');
  const v6 = { sourceAddress: 'fd00::1', sourcePort: 1, destinationAddress: 'fd00::2', destinationPort: 2 };
  assert.equal(proxyHeaderV1(v6).toString('latin1'), 'PROXY TCP6 fd00::1 fd00::2 1 2\r\n');
  assert.equal(proxyHeaderV1({ ...V4, sourceAddress: undefined }).toString('latin1'), 'PROXY UNKNOWN\r\n');
});

test('PROXY v2 is the binary header: signature, PROXY over TCP4, addresses and ports', () => {
  const h = proxyHeaderV2(V4);
  assert.equal(h.length, 16 + 12);
  assert.deepEqual([...h.subarray(0, 12)], [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
  assert.equal(h[12], 0x21);
  assert.equal(h[13], 0x11);
  assert.equal(h.readUInt16BE(14), 12);
  assert.deepEqual([...h.subarray(16, 24)], [10, 1, 2, 3, 10, 213, 128, 5]);
  assert.equal(h.readUInt16BE(24), 51000);
  assert.equal(h.readUInt16BE(26), 80);
});

test('PROXY v2 over IPv6 carries 16-byte addresses; an unknown address is a LOCAL header', () => {
  const h = proxyHeaderV2({ sourceAddress: 'fd00::1', sourcePort: 7, destinationAddress: '::1', destinationPort: 8 });
  assert.equal(h[13], 0x21);
  assert.equal(h.readUInt16BE(14), 36);
  assert.equal(h.subarray(16, 32).toString('hex'), 'fd000000000000000000000000000001');
  assert.equal(h.subarray(32, 48).toString('hex'), '00000000000000000000000000000001');
  assert.equal(h.readUInt16BE(48), 7);
  const local = proxyHeaderV2({ ...V4, destinationPort: undefined });
  assert.equal(local.length, 16);
  assert.equal(local[12], 0x20);
});
