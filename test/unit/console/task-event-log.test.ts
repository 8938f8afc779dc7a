import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterEvent } from '../../../src/console/decode.js';
import { TASK_EVENTS_SHOWN, TaskEventLog } from '../../../src/console/task-event-log.js';

// A task page's state history: a task in a crash loop (restart always) has as many events as the
// manager keeps (10,000). The page holds the newest TASK_EVENTS_SHOWN and says how many there are,
// takes each event once as it comes, and keeps them in the order they happened, each once.

const T0 = Date.parse('2026-12-07T20:00:00.000Z');

function event(i: number, fields: Partial<ClusterEvent> = {}): ClusterEvent {
  return {
    time: new Date(T0 + i * 1000).toISOString(),
    type: i % 2 === 0 ? 'task.restarting' : 'task.started',
    taskId: 'task-1',
    taskName: 'loop',
    node: 'n1',
    state: i % 2 === 0 ? 'Failed' : 'Running',
    reason: `try ${i}`,
    restarts: Math.floor(i / 2),
    delayMs: null,
    service: null,
    file: null,
    note: null,
    ...fields,
  };
}

const reasons = (events: readonly ClusterEvent[]): string[] => events.map((e) => e.reason ?? '');

test('10,000 kept events: the newest 200 are held, newest first, and all are counted', () => {
  const log = new TaskEventLog();
  const kept = Array.from({ length: 10_000 }, (_, i) => event(i));
  log.kept(kept);
  assert.equal(log.total, 10_000);
  const shown = log.newestFirst();
  assert.equal(shown.length, TASK_EVENTS_SHOWN);
  assert.deepEqual(reasons(shown), reasons(kept.slice(-TASK_EVENTS_SHOWN).reverse()));
  assert.equal(log.newestFirst(), shown, 'the same list until something changes: nothing recomputed on a render');
  // each one after, once, at the top; the oldest held gives way
  assert.equal(log.live(event(10_000)), true);
  assert.equal(log.live(event(10_000)), false, 'an event had already');
  assert.equal(log.total, 10_001);
  const after = log.newestFirst();
  assert.notEqual(after, shown);
  assert.equal(after.length, TASK_EVENTS_SHOWN);
  assert.deepEqual(reasons(after.slice(0, 2)), ['try 10000', 'try 9999']);
  assert.equal(after.at(-1)?.reason, `try ${10_001 - TASK_EVENTS_SHOWN}`);
});

test('events heard live while the kept ones were asked for are counted once, in the order they happened', () => {
  const log = new TaskEventLog(5);
  // heard before the page opened and while it asked: 7 and 8 are also among the kept (they came meanwhile)
  for (const i of [7, 8, 9]) log.live(event(i));
  assert.deepEqual(reasons(log.newestFirst()), ['try 9', 'try 8', 'try 7'], 'shown before the kept ones come');
  assert.equal(log.keptCame, false);
  log.kept(Array.from({ length: 9 }, (_, i) => event(i)));
  assert.equal(log.keptCame, true);
  assert.equal(log.total, 10, '0 to 9, each once');
  assert.deepEqual(reasons(log.newestFirst()), ['try 9', 'try 8', 'try 7', 'try 6', 'try 5']);
  log.kept([event(100)]);
  assert.equal(log.total, 10, 'the kept ones come once');
});

test('events of one time keep the order they came in; one that comes late goes in its place', () => {
  const log = new TaskEventLog(10);
  log.kept([event(0), event(2)]);
  const same = event(2, { type: 'task.exited', reason: 'exited' });
  log.live(same);
  log.live(event(1, { reason: 'late' }));
  log.live(event(3));
  assert.deepEqual(reasons(log.newestFirst()), ['try 3', 'exited', 'try 2', 'late', 'try 0']);
  assert.equal(log.keyOf(same) !== undefined, true, 'a held event has a key for its row');
  // no room and older than every one held: counted, not shown
  const full = new TaskEventLog(2);
  full.kept([event(5), event(6)]);
  full.live(event(1));
  assert.equal(full.total, 3);
  assert.deepEqual(reasons(full.newestFirst()), ['try 6', 'try 5']);
});

test('the kept ones asked for a task of no events say none', () => {
  const log = new TaskEventLog();
  log.kept([]);
  assert.deepEqual([log.total, log.newestFirst().length, log.keptCame], [0, 0, true]);
});
