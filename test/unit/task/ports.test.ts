import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec, toSpec, validateSpec } from '../../../src/task/index.js';

// A port of a spec: the wire protocol, and what discovery needs (a name for SRV, per-request
// balancing for http, the proxy's choices), kept through a round trip to the spec dispatched.

const ID = '3f0a1c2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

function parse(ports: unknown[]) {
  return parseSpec(validateSpec({ id: ID, name: 'web', image: 'poseidon/busybox:latest', ports }));
}

test('an http port is tcp on the wire and keeps its name, balancing and http through toSpec', () => {
  const r = parse([{ container: 80, protocol: 'http', name: 'web', balance: 'round-robin' }]);
  assert.deepEqual(r.ports, [
    { containerPort: 80, hostPort: 0, protocol: 'tcp', http: true, name: 'web', balance: 'round-robin' },
  ]);
  assert.deepEqual(toSpec(r).ports, [
    { container: 80, host: 0, protocol: 'http', name: 'web', balance: 'round-robin' },
  ]);
});

test('a plain port is unchanged', () => {
  assert.deepEqual(parse([{ container: 53, protocol: 'udp' }]).ports, [
    { containerPort: 53, hostPort: 0, protocol: 'udp' },
  ]);
});

test('two ports with one name, or a PROXY header on a udp or http port, name the field', () => {
  assert.throws(
    () =>
      parse([
        { container: 80, name: 'a' },
        { container: 81, name: 'a' },
      ]),
    /ports\[1\]\.name/,
  );
  assert.throws(() => parse([{ container: 53, protocol: 'udp', proxyProtocol: 'v1' }]), /ports\[0\]\.proxyProtocol/);
  assert.throws(() => parse([{ container: 80, protocol: 'http', proxyProtocol: 'v2' }]), /ports\[0\]\.proxyProtocol/);
  assert.throws(() => parse([{ container: 80, name: 'Bad_Name' }]), /ports\[0\]\.name/);
});

test('an http port and a tcp port on one container port are one port listed twice', () => {
  assert.throws(() => parse([{ container: 80, protocol: 'http' }, { container: 80 }]), /listed twice/);
});

test('a port not published keeps publish: false through toSpec; a host port for it is refused', () => {
  const r = parse([{ container: 5432, publish: false }]);
  assert.deepEqual(r.ports, [{ containerPort: 5432, hostPort: 0, protocol: 'tcp', publish: false }]);
  assert.deepEqual(toSpec(r).ports, [{ container: 5432, host: 0, protocol: 'tcp', publish: false }]);
  assert.deepEqual(parse([{ container: 80, publish: true }]).ports, [
    { containerPort: 80, hostPort: 0, protocol: 'tcp' },
  ]);
  assert.throws(
    () => parse([{ container: 5432, host: 5432, publish: false }]),
    /ports\[0\]\.host.*is 5432, but the port is not published \(publish: false\)/,
  );
  assert.throws(() => parse([{ container: 80, publish: 'no' }]), /ports\[0\]\.publish.*must be true or false/);
});

test('a host address is kept as Docker takes it, through toSpec; every address is as none', () => {
  const r = parse([
    { container: 80, host: 8080, hostIp: '127.0.0.1' },
    { container: 443, host: 8443, hostIp: '[0:0:0:0:0:0:0:1]' },
    { container: 53, protocol: 'udp', hostIp: '0.0.0.0' },
  ]);
  assert.deepEqual(r.ports, [
    { containerPort: 80, hostPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1' },
    { containerPort: 443, hostPort: 8443, protocol: 'tcp', hostIp: '::1' },
    { containerPort: 53, hostPort: 0, protocol: 'udp' },
  ]);
  assert.deepEqual(toSpec(r).ports, [
    { container: 80, host: 8080, protocol: 'tcp', hostIp: '127.0.0.1' },
    { container: 443, host: 8443, protocol: 'tcp', hostIp: '::1' },
    { container: 53, host: 0, protocol: 'udp' },
  ]);
});

test('a host address that is none, or one for a port not published, is refused naming ports[i].hostIp', () => {
  assert.throws(
    () => parse([{ container: 80, hostIp: 'localhost' }]),
    /^InvalidField: ports\[0\]\.hostIp is "localhost"; must be an IPv4 or IPv6 address .*\(127\.0\.0\.1 for localhost\)$/,
  );
  assert.throws(() => parse([{ container: 80, hostIp: '256.1.1.1' }]), /ports\[0\]\.hostIp is "256\.1\.1\.1"/);
  assert.throws(() => parse([{ container: 80, hostIp: '' }]), /ports\[0\]\.hostIp/);
  assert.throws(
    () => parse([{ container: 80 }, { container: 5432, hostIp: '127.0.0.1', publish: false }]),
    /ports\[1\]\.hostIp.*is 127\.0\.0\.1, but the port is not published \(publish: false\)/,
  );
});

test('one host port on two addresses is two ports, as Docker binds them; on the same address, or beside every address, one', () => {
  const two = parse([
    { container: 80, host: 8080, hostIp: '127.0.0.1' },
    { container: 81, host: 8080, hostIp: '127.0.0.2' },
  ]);
  assert.deepEqual(
    two.ports.map((p) => p.hostIp),
    ['127.0.0.1', '127.0.0.2'],
  );
  assert.throws(
    () =>
      parse([
        { container: 80, host: 8080, hostIp: '127.0.0.1' },
        { container: 81, host: 8080, hostIp: '127.0.0.1' },
      ]),
    /ports\[1\]\.host.*127\.0\.0\.1:8080\/tcp is bound twice$/,
  );
  assert.throws(
    () =>
      parse([
        { container: 80, host: 8080, hostIp: '127.0.0.1' },
        { container: 81, host: 8080 },
      ]),
    /ports\[1\]\.host.*8080\/tcp is bound twice \(127\.0\.0\.1:8080\/tcp is on that address too\)/,
  );
});
