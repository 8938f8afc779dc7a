import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostIpProblem, normalHostIp, publishAddress } from '../../../src/task/host-ip.js';
import { portText } from '../../../src/task/port-text.js';

// A published port's host address: what Docker takes, and where a worker binds the port.

test('an address is taken as Docker takes it: IPv4, IPv6 short, brackets off; a name or a zone is none', () => {
  assert.equal(normalHostIp('127.0.0.1'), '127.0.0.1');
  assert.equal(normalHostIp('[::1]'), '::1');
  assert.equal(normalHostIp('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(normalHostIp('FE80::A'), 'fe80::a');
  for (const bad of ['localhost', '127.0.0.256', '', '1.2.3', 'fe80::1%eth0', '[127.0.0.1]x'])
    assert.equal(normalHostIp(bad), undefined, bad);
  assert.match(hostIpProblem('localhost') ?? '', /127\.0\.0\.1 for localhost/);
  assert.equal(hostIpProblem('10.1.2.3'), undefined);
});

test("a port keeps to its worker's --host: loopback anywhere, another address on a worker of every address", () => {
  assert.equal(publishAddress(undefined, '127.0.0.1'), '127.0.0.1', "none: the worker's");
  assert.equal(publishAddress('0.0.0.0', '127.0.0.1'), '127.0.0.1', 'every address is never wider than the worker');
  assert.equal(publishAddress('127.0.0.1', '0.0.0.0'), '127.0.0.1');
  assert.equal(publishAddress('127.0.0.2', '10.0.0.5'), '127.0.0.2', 'loopback: nothing off the node reaches it');
  assert.equal(publishAddress('::1', '10.0.0.5'), '::1');
  assert.equal(publishAddress('10.0.0.5', '0.0.0.0'), '10.0.0.5');
  assert.equal(publishAddress('10.0.0.5', '::'), '10.0.0.5');
  assert.equal(publishAddress('10.0.0.5', '10.0.0.5'), '10.0.0.5');
  const refused = publishAddress('10.0.0.9', '127.0.0.1');
  assert.ok(refused instanceof Error);
  assert.match(
    refused.message,
    /host address 10\.0\.0\.9 is not one this worker publishes on \(its --host is 127\.0\.0\.1\)/,
  );
});

test('a port on one address shows it as docker ps does', () => {
  assert.equal(portText({ container: 80, host: 8080, protocol: 'tcp' }), '8080->80/tcp');
  assert.equal(portText({ container: 80, host: 8080, protocol: 'tcp', hostIp: '127.0.0.1' }), '127.0.0.1:8080->80/tcp');
  assert.equal(portText({ container: 80, host: 8080, protocol: 'tcp', hostIp: '::1' }), '[::1]:8080->80/tcp');
  assert.equal(portText({ container: 53, host: 0, protocol: 'udp', hostIp: '127.0.0.1' }), '53/udp on 127.0.0.1');
  assert.equal(portText({ container: 53, host: 0, protocol: 'udp' }), '53/udp');
});
