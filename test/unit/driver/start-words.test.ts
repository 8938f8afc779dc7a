import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFailureWords } from '../../../src/driver/docker/start-words.js';

test('a host port another container publishes reads as such, without the endpoint and its hash', () => {
  const engine =
    'driver failed programming external connectivity on endpoint poseidon-web-3-e18e9244-4 ' +
    '(966640bac6bc3e86cf01d65ebfe0c84dc135be0389f1e9e1eca5b61d09a79bba): ' +
    'Bind for 127.0.0.1:7880 failed: port is already allocated';
  assert.equal(
    startFailureWords(engine),
    'host port 127.0.0.1:7880 is already taken on this machine (another container publishes it)',
  );
});

test('a host port a process listens on reads as such', () => {
  const engine =
    'driver failed programming external connectivity on endpoint poseidon-web-1-0f (ab12): Error starting ' +
    'userland proxy: listen tcp4 0.0.0.0:8080: bind: address already in use';
  assert.equal(
    startFailureWords(engine),
    'host port 0.0.0.0:8080 is already in use on this machine (a process listens on it)',
  );
});

test('other refusals keep the engine words', () => {
  const engine = 'Minimum memory limit allowed is 6MB';
  assert.equal(startFailureWords(engine), engine);
});
