import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventsWindow, Resume } from '../../../src/cli/events-action.js';

// `poseidon events --since/--until`, and what it shows when it follows a group's stream again.

const now = Date.UTC(2026, 11, 5, 10, 0, 0);

test('--since and --until take a time or how long ago, and --until now', () => {
  assert.deepEqual(eventsWindow({}, now), {});
  assert.deepEqual(eventsWindow({ since: '10m', until: 'now' }, now), {
    since: '2026-12-05T09:50:00.000Z',
    until: '2026-12-05T10:00:00.000Z',
  });
  // to the millisecond: an --until a moment ahead is not cut to the second before it
  assert.deepEqual(eventsWindow({ since: '2026-12-04T10:00:00Z', until: '2026-12-05T10:00:04.381Z' }, now), {
    since: '2026-12-04T10:00:00.000Z',
    until: '2026-12-05T10:00:04.381Z',
  });
  assert.throws(() => eventsWindow({ until: 'tomorrow' }, now), /--until.*is "tomorrow"/);
});

test('--since not before --until is refused naming both: no event is in that window', () => {
  assert.throws(() => eventsWindow({ since: '1h', until: '2h' }, now), {
    message:
      '--since 1h (2026-12-05T09:00:00.000Z) is not before --until 2h (2026-12-05T08:00:00.000Z); ' +
      'give a --since earlier than --until',
  });
  // --until is the first time left out: the same time is an empty window too
  assert.throws(() => eventsWindow({ since: '2026-12-05', until: '2026-12-05T00:00:00Z' }, now), {
    message: /^--since .*--until/,
  });
  assert.deepEqual(eventsWindow({ since: '2h', until: '1h' }, now), {
    since: '2026-12-05T08:00:00.000Z',
    until: '2026-12-05T09:00:00.000Z',
  });
});

test('followed again from the last time shown, the events of that time already shown are left out', () => {
  const r = new Resume();
  assert.equal(r.from, undefined);
  const a = { time: '2026-12-05T10:00:00.001Z', type: 'task.started', taskName: 'a' };
  const b = { time: '2026-12-05T10:00:00.002Z', type: 'task.started', taskName: 'b' };
  const c = { time: '2026-12-05T10:00:00.002Z', type: 'task.started', taskName: 'c' };
  assert.equal(r.fresh(a, JSON.stringify(a)), true);
  assert.equal(r.fresh(b, JSON.stringify(b)), true);
  assert.equal(r.from, b.time);
  // the stream followed again from b's time: b again, then c (same time, not shown before)
  assert.equal(r.fresh(b, JSON.stringify(b)), false);
  assert.equal(r.fresh(c, JSON.stringify(c)), true);
  assert.equal(r.fresh(c, JSON.stringify(c)), false);
});

test('an event older than the last one shown is shown and leaves where to follow from as it was', () => {
  const r = new Resume();
  const late = { time: '2026-12-05T10:00:00.005Z', type: 'node.up', node: 'a' };
  const early = { time: '2026-12-05T10:00:00.001Z', type: 'node.removed', node: 'b' };
  assert.equal(r.fresh(late, JSON.stringify(late)), true);
  assert.equal(r.fresh(early, JSON.stringify(early)), true);
  assert.equal(r.from, late.time);
  assert.equal(r.fresh(late, JSON.stringify(late)), false);
});
