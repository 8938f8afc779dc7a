import assert from 'node:assert/strict';
import { test } from 'node:test';
import { discoveryFlags } from '../../../src/cli/discovery-host.js';

// The discovery host's flags as commander hands them over: parsed once, units resolved here.

const flags = { dnsPort: '8600', dnsTtl: '5', recursion: true, proxyTimeout: '60' };

test('--proxy-timeout is whole seconds, at least 1, handed to the proxy in ms', () => {
  assert.deepEqual(discoveryFlags({ ...flags, proxyTimeout: '30' }), {
    dnsPort: 8600,
    dnsTtl: 5,
    recursion: true,
    proxyTimeoutMs: 30_000,
  });
  for (const bad of ['0', '1.5', 'ten', '-3'])
    assert.throws(() => discoveryFlags({ ...flags, proxyTimeout: bad }), /--proxy-timeout/, bad);
});
