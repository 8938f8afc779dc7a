import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterEvent } from '../../../src/console/decode.js';

// The console's event list shows a rollout event's note (a slot updated stop-first for want of
// room) beside its reason, as `poseidon events` does; an event without one, or from an older
// manager, has none.

test('the console reads a progress event note, and null where there is none', () => {
  const note = 'web-1 updated stop-first: no node has room for both versions';
  const e = { time: '2026-12-07T14:16:53.767Z', type: 'update.progress', service: 'web', reason: 'new version' };
  assert.equal(clusterEvent({ ...e, note }).note, note);
  assert.equal(clusterEvent(e).note, null);
});
