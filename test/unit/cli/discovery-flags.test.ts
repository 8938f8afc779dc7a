import assert from 'node:assert/strict';
import { test } from 'node:test';
import { discoveryFlags } from '../../../src/cli/discovery-host.js';

// The discovery host's flags as commander hands them over: parsed once, units resolved here.

const flags = { dnsPort: '8600', dnsTtl: '5', recursion: true, proxyTimeout: '60', proxyUdpTimeout: '30' };

test('--proxy-timeout is whole seconds, at least 1, handed to the proxy in ms', () => {
  assert.deepEqual(discoveryFlags({ ...flags, proxyTimeout: '30' }), {
    dnsPort: 8600,
    dnsTtl: 5,
    recursion: true,
    proxyTimeoutMs: 30_000,
    proxyUdpTimeoutMs: 30_000,
  });
  for (const bad of ['0', '1.5', 'ten', '-3'])
    assert.throws(() => discoveryFlags({ ...flags, proxyTimeout: bad }), /--proxy-timeout/, bad);
});

test("--proxy-udp-timeout is whole seconds, 1 to 86400, handed to the proxy as its udp flows' idle time in ms", () => {
  assert.equal(discoveryFlags({ ...flags, proxyUdpTimeout: '120' }).proxyUdpTimeoutMs, 120_000);
  for (const bad of ['0', '2.5', 'soon', '86401'])
    assert.throws(() => discoveryFlags({ ...flags, proxyUdpTimeout: bad }), /^.*--proxy-udp-timeout.*$/, bad);
});
