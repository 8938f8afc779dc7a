import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogLines } from '../../../src/cli/log-lines.js';

// A followed container's output read with the engine's times, so a stream asked for again after a
// cut shows no line twice: what the engine gives again from the last line's second is left out.

const T = (ns: string): string => `2026-12-07T01:00:05.${ns}Z`;

function lines(timestamps = false): { l: LogLines; out: () => string } {
  let out = '';
  const l = new LogLines({ write: (c) => void (out += c.toString('utf8')) }, timestamps);
  return { l, out: () => out };
}

test('the times asked for are taken off again unless -t asked for them', () => {
  const bare = lines();
  bare.l.write(Buffer.from(`${T('000000001')} one\n${T('000000002')} two\n`));
  assert.equal(bare.out(), 'one\ntwo\n');
  const kept = lines(true);
  kept.l.write(Buffer.from(`${T('000000001')} one\n`));
  assert.equal(kept.out(), `${T('000000001')} one\n`);
});

test('asked again, from the second of the last line shown, the lines up to it are left out, once each', () => {
  const { l, out } = lines();
  assert.deepEqual(l.ask({ tail: 5 }, 0), { tail: 5, timestamps: true }, 'the first read as asked, with times');
  // lines at the very same time (.5 and .500000000): two shown before the cut, a third not
  l.write(Buffer.from(`${T('000000001')} one\n${T('5')} two\n${T('500000000')} three\n`));
  assert.equal(l.timed, 3);
  l.write(Buffer.from(`${T('7')}`)); // a line cut off mid-way: dropped, it comes again whole
  l.again();
  assert.deepEqual(l.ask({ tail: 5 }, 0), { since: Date.parse('2026-12-07T01:00:05Z') / 1000, timestamps: true });
  l.write(Buffer.from(`${T('000000001')} one\n${T('5')} two\n${T('500000000')} three\n${T('500000000')} same time\n`));
  l.write(Buffer.from(`${T('7')} four\n`));
  assert.equal(out(), 'one\ntwo\nthree\nsame time\nfour\n');
  assert.equal(l.timed, 5);
});

test('a line earlier than the last (stdout and stderr timed apart) is shown when it comes after it', () => {
  const { l, out } = lines();
  l.write(Buffer.from(`${T('2')} out\n${T('1')} err\n${T('3')} more\n`));
  assert.equal(out(), 'out\nerr\nmore\n');
});

test('a line without a time is shown as it comes; a last one without its newline at the end', () => {
  const { l, out } = lines();
  l.write(Buffer.from('plain\n'));
  l.write(Buffer.from(`${T('1')} no new`));
  l.write(Buffer.from('line'));
  assert.equal(out(), 'plain\n');
  l.end();
  assert.equal(out(), 'plain\nno newline');
  assert.equal(l.timed, 1);
});

test('asked again with nothing shown: whole, or from when it opened under --tail 0', () => {
  const opened = Date.parse('2026-12-07T01:00:05.700Z');
  const none = lines().l;
  none.again();
  assert.deepEqual(none.ask({ tail: 3, since: 100 }, opened), { since: 100, timestamps: true });
  const zero = lines().l;
  zero.again();
  assert.deepEqual(zero.ask({ tail: 0 }, opened), { since: Math.floor(opened / 1000), timestamps: true });
});

test('each stream keeps its own line not ended yet, and each line goes to the stream it came from', () => {
  const got: Array<[string, string]> = [];
  const l = new LogLines({ write: (c, stream = 'stdout') => void got.push([stream, c.toString('utf8')]) }, false);
  l.write(Buffer.from(`${T('1')} ou`), 'stdout');
  l.write(Buffer.from(`${T('2')} err\n${T('3')} er`), 'stderr');
  l.write(Buffer.from('t\n'), 'stdout');
  l.end();
  assert.deepEqual(got, [
    ['stderr', 'err\n'],
    ['stdout', 'out\n'],
    ['stderr', 'er'],
  ]);
});

test('asked for again after a cut, the lines of both streams shown before are left out, on either stream', () => {
  const got: Array<[string, string]> = [];
  const l = new LogLines({ write: (c, stream = 'stdout') => void got.push([stream, c.toString('utf8')]) }, false);
  l.write(Buffer.from(`${T('1')} out\n`), 'stdout');
  l.write(Buffer.from(`${T('2')} err\n${T('3')} cut`), 'stderr');
  l.again();
  l.write(Buffer.from(`${T('1')} out\n`), 'stdout');
  l.write(Buffer.from(`${T('2')} err\n${T('3')} cut off\n`), 'stderr');
  l.write(Buffer.from(`${T('4')} new\n`), 'stdout');
  assert.deepEqual(got, [
    ['stdout', 'out\n'],
    ['stderr', 'err\n'],
    ['stderr', 'cut off\n'],
    ['stdout', 'new\n'],
  ]);
});
