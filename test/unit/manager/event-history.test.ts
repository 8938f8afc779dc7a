import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventWindow } from '../../../src/api/events.js';
import { EventBus, type ClusterEvent } from '../../../src/manager/events.js';

// The events the manager keeps for `GET /events?since=`: the last ones, in the order they happened.

const at = (s: number, node = `n${s}`): ClusterEvent => ({
  time: new Date(Date.UTC(2026, 11, 5, 10, 0, s)).toISOString(),
  type: 'node.up',
  node,
});
const nodes = (events: ClusterEvent[]): Array<string | undefined> => events.map((e) => e.node);

test('it keeps the last ones, oldest dropped first, and gives them in the order they happened', () => {
  const bus = new EventBus(3);
  assert.deepEqual(bus.past(0), []);
  bus.publish(at(1));
  bus.publish(at(2));
  assert.deepEqual(nodes(bus.past(0)), ['n1', 'n2']);
  for (const s of [3, 4, 5]) bus.publish(at(s));
  assert.deepEqual(nodes(bus.past(0)), ['n3', 'n4', 'n5']);
  bus.publish(at(6));
  assert.deepEqual(nodes(bus.past(0)), ['n4', 'n5', 'n6']);
});

test('since is inclusive, until exclusive', () => {
  const bus = new EventBus(10);
  for (const s of [1, 2, 2, 3, 4]) bus.publish(at(s, `n${s}`));
  const ms = (s: number): number => Date.parse(at(s).time);
  assert.deepEqual(nodes(bus.past(ms(2))), ['n2', 'n2', 'n3', 'n4']);
  assert.deepEqual(nodes(bus.past(ms(2), ms(4))), ['n2', 'n2', 'n3']);
  assert.deepEqual(nodes(bus.past(ms(5))), []);
});

test('a live subscriber gets each event as it is published, and nothing after it leaves', () => {
  const bus = new EventBus(2);
  const got: ClusterEvent[] = [];
  const leave = bus.subscribe((e) => got.push(e));
  bus.publish(at(1));
  leave();
  bus.publish(at(2));
  assert.deepEqual(nodes(got), ['n1']);
});

test('the query takes RFC 3339 or seconds since 1970, and names a time that cannot be read', () => {
  assert.deepEqual(eventWindow({}), {});
  assert.deepEqual(eventWindow({ since: '2026-12-05T10:00:00.250Z', until: '1796464860.5' }), {
    sinceMs: Date.UTC(2026, 11, 5, 10, 0, 0, 250),
    untilMs: 1796464860500,
  });
  assert.deepEqual(eventWindow({ since: '2026-12-05T11:00:00+01:00' }), { sinceMs: Date.UTC(2026, 11, 5, 10) });
  assert.throws(
    () => eventWindow({ since: '2026-13-45T00:00:00Z' }),
    /querystring\.since.*is "2026-13-45T00:00:00Z", no time/,
  );
});

test('a window whose until is not after its since is refused, naming until: it could hold nothing', () => {
  for (const until of ['2026-12-05T10:00:00Z', '2026-12-05T09:59:59Z'])
    assert.throws(
      () => eventWindow({ since: '2026-12-05T10:00:00Z', until }),
      /querystring\.until.*not after since "2026-12-05T10:00:00Z"/,
    );
  assert.deepEqual(eventWindow({ since: '1796119200', until: '1796119200.001' }), {
    sinceMs: 1796119200000,
    untilMs: 1796119200001,
  });
});
