import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sinceFlag } from '../../../src/cli/flags.js';
import { DETAILS, laterRead, readOf } from '../../../src/cli/logs-action.js';

// `poseidon logs --tail --since -t`: what a read asks the manager for, read before anything is sent.

const NOW = Date.parse('2026-12-04T12:00:00.000Z');
const at = (iso: string): number => Date.parse(iso) / 1000;

test('--since takes how long ago, as docker logs does, in pieces: 10m, 1h30m, 2d, 1.5h, 90s', () => {
  assert.equal(sinceFlag('--since', '10m', NOW), at('2026-12-04T11:50:00Z'));
  assert.equal(sinceFlag('--since', '1h30m', NOW), at('2026-12-04T10:30:00Z'));
  assert.equal(sinceFlag('--since', '2d', NOW), at('2026-12-02T12:00:00Z'));
  assert.equal(sinceFlag('--since', '1.5h', NOW), at('2026-12-04T10:30:00Z'));
  assert.equal(sinceFlag('--since', '90s', NOW), at('2026-12-04T11:58:30Z'));
});

test('--since takes a time: RFC 3339, a date (UTC midnight), or seconds since 1970', () => {
  assert.equal(sinceFlag('--since', '2026-12-04T10:00:00Z', NOW), at('2026-12-04T10:00:00Z'));
  assert.equal(sinceFlag('--since', '2026-12-04T10:00:00.900+01:00', NOW), at('2026-12-04T09:00:00Z'));
  assert.equal(sinceFlag('--since', '2026-12-03', NOW), at('2026-12-03T00:00:00Z'));
  assert.equal(sinceFlag('--since', '1733300000', NOW), 1733300000);
});

test('a --since that is neither is refused, naming the flag and both forms', () => {
  for (const bad of ['yesterday', '10', '10x', '1h 30m', '-5m', '', '2026-13-45'])
    assert.throws(() => sinceFlag('--since', bad, NOW), {
      message: `--since is "${bad}"; give a time (2026-12-04T10:00:00Z) or how long ago (10m, 1h30m, 2d)`,
    });
});

test('the first container is read as asked; the ones after a restart whole, with times if asked', () => {
  const read = readOf({ tail: '5', since: '10m', timestamps: true }, NOW);
  assert.deepEqual(read, { tail: 5, since: at('2026-12-04T11:50:00Z'), timestamps: true });
  assert.deepEqual(laterRead(read), { timestamps: true });
  assert.deepEqual(laterRead(readOf({ tail: '5' }, NOW)), {});
  assert.deepEqual(readOf({ tail: 'all' }, NOW), {}, "docker logs' --tail all: every line");
  assert.deepEqual(readOf({ tail: '-1' }, NOW), {}, 'docker logs --tail -1: every line too');
  assert.deepEqual(readOf({ tail: '0' }, NOW), { tail: 0 });
});

test('a --tail that is not a count, all or -1 is refused naming --tail, before anything is read', () => {
  for (const bad of ['some', 'ALL', '-5', '1.5', '', '+3', '1e3', '0x10', '1234567890'])
    assert.throws(() => readOf({ tail: bad }), {
      message: `--tail is "${bad}"; use a number of lines, or all (or -1) for every line`,
    });
  // past what a manager returns: named as the flag the user typed, not the API's tail
  assert.throws(() => readOf({ tail: '20000' }), { message: '--tail is 20000 lines; at most 10000' });
  assert.deepEqual(readOf({ tail: '10000' }), { tail: 10_000 });
});

test('--until as docker logs takes it: a time or how long ago, as seconds since 1970; not with -f', () => {
  assert.deepEqual(readOf({ until: '10m' }, NOW), { until: at('2026-12-04T11:50:00Z') });
  assert.deepEqual(readOf({ since: '1h', until: '2026-12-04T11:59:30Z' }, NOW), {
    since: at('2026-12-04T11:00:00Z'),
    until: at('2026-12-04T11:59:30Z'),
  });
  // to the millisecond: `--until 0s` (now) takes in what was written earlier in this second
  const later = NOW + 1_234;
  assert.deepEqual(readOf({ until: '0s' }, later), { until: at('2026-12-04T12:00:01.234Z') });
  assert.equal(String(at('2026-12-04T12:00:01.234Z')), '1796385601.234');
  assert.throws(() => readOf({ until: 'soon' }, NOW), { message: /^--until is "soon"; give a time/ });
  assert.throws(() => readOf({ until: '1m', follow: true }, NOW), {
    message: '--until ends a read of the past: leave out -f, or --until',
  });
});

test('--details is refused with why: Poseidon sets none of the log options whose attributes docker shows', () => {
  assert.throws(() => readOf({ details: true, tail: '5' }, NOW), {
    code: 'invalid_request',
    message: `--details ${DETAILS}`,
  });
  assert.match(DETAILS, /leave out --details$/);
});
