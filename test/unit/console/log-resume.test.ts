import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogPart } from '../../../src/console/log-parts.js';
import { LogResume, stampKey } from '../../../src/console/log-resume.js';

// A task page's logs asked for again after a cut (a manager restarted): the engine's `since` in
// whole seconds gives that second's lines again; none of them is shown twice, and none written
// after the last one shown is lost, on either stream.

const out = (text: string): LogPart => ({ stream: 'stdout', text });
const err = (text: string): LogPart => ({ stream: 'stderr', text });

/** What the page shows of `parts`, as `stream:text`. */
function shown(resume: LogResume, parts: LogPart[]): string[] {
  return parts.flatMap((p) => {
    const kept = resume.take(p);
    return kept === undefined ? [] : [`${kept.stream}:${kept.text}`];
  });
}

test("each line's time is taken off; a line without one is shown as it comes", () => {
  const resume = new LogResume();
  assert.deepEqual(shown(resume, [out('2026-12-07T10:40:00.123456789Z one\n'), out('no time\n')]), [
    'stdout:one\n',
    'stdout:no time\n',
  ]);
  assert.equal(resume.lastShown, '10:40:00.123 UTC');
  assert.deepEqual(stampKey('2026-12-07T10:40:00Z x'), { key: '2026-12-07T10:40:00.000000000', length: 21 });
  assert.equal(stampKey('2026-12-07 10:40:00 x'), undefined);
});

test('nothing shown: asked again as the first time', () => {
  const resume = new LogResume();
  resume.again();
  assert.equal(resume.sinceS(), undefined);
  assert.equal(resume.lastShown, undefined);
});

test('asked again from the whole second: the lines of that second shown before are left out, the rest shown', () => {
  const resume = new LogResume();
  const before = [
    out('2026-12-07T10:40:00.100000000Z a\n'),
    out('2026-12-07T10:40:00.500000000Z b\n'),
    // two lines at the very same time (a line longer than 16 KiB, in parts with its first part's time)
    out('2026-12-07T10:40:00.700000000Z c-part1'),
    out('2026-12-07T10:40:00.700000000Z c-part2\n'),
  ];
  assert.deepEqual(shown(resume, before), ['stdout:a\n', 'stdout:b\n', 'stdout:c-part1', 'stdout:c-part2\n']);
  resume.again();
  assert.equal(resume.sinceS(), Date.parse('2026-12-07T10:40:00Z') / 1000);
  const again = [
    ...before,
    out('2026-12-07T10:40:00.700000000Z c-part3\n'), // a third part at that time: not shown yet
    out('2026-12-07T10:40:00.900000000Z d\n'),
    out('2026-12-07T10:40:01.000000000Z e\n'),
  ];
  assert.deepEqual(shown(resume, again), ['stdout:c-part3\n', 'stdout:d\n', 'stdout:e\n']);
  assert.equal(resume.lastShown, '10:40:01.000 UTC');
});

test("each stream apart: a stderr line timed before stdout's last, not yet come at the cut, is shown", () => {
  const resume = new LogResume();
  assert.deepEqual(
    shown(resume, [err('2026-12-07T10:40:00.200000000Z e1\n'), out('2026-12-07T10:40:01.300000000Z o1\n')]),
    ['stderr:e1\n', 'stdout:o1\n'],
  );
  resume.again();
  // from the earliest stream's last line shown: stderr's, a second before stdout's
  assert.equal(resume.sinceS(), Date.parse('2026-12-07T10:40:00Z') / 1000);
  const again = [
    err('2026-12-07T10:40:00.200000000Z e1\n'),
    err('2026-12-07T10:40:01.100000000Z e2\n'), // written before o1, had not reached the page
    out('2026-12-07T10:40:01.300000000Z o1\n'),
    out('2026-12-07T10:40:01.400000000Z o2\n'),
  ];
  assert.deepEqual(shown(resume, again), ['stderr:e2\n', 'stdout:o2\n']);
});

test('cut again while given again: still nothing twice', () => {
  const resume = new LogResume();
  const lines = [0, 1, 2, 3].map((i) => out(`2026-12-07T10:40:00.${i}00000000Z n${i}\n`));
  assert.deepEqual(shown(resume, lines.slice(0, 3)), ['stdout:n0\n', 'stdout:n1\n', 'stdout:n2\n']);
  resume.again();
  assert.deepEqual(shown(resume, lines.slice(0, 1)), []);
  resume.again();
  assert.deepEqual(shown(resume, lines), ['stdout:n3\n']);
});
