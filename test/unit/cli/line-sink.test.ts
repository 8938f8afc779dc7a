import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSink } from '../../../src/cli/service-logs.js';

function sink(): { lines: string[]; notes: string[]; s: LineSink } {
  const lines: string[] = [];
  const notes: string[] = [];
  const s = new LineSink(
    'web-1.1a2b3c4d@w1',
    { write: (t: Buffer | string) => lines.push(String(t)) },
    { write: (t: Buffer | string) => notes.push(String(t)) },
  );
  return { lines, notes, s };
}

test("service logs: each line is written whole after its replica's prefix, however the output was cut", () => {
  const { lines, s } = sink();
  s.write(Buffer.from('one\ntw'));
  s.write(Buffer.from('o\nthr'));
  assert.equal(lines.join(''), 'web-1.1a2b3c4d@w1 | one\nweb-1.1a2b3c4d@w1 | two\n');
  s.end();
  assert.equal(lines.join('').split('\n')[2], 'web-1.1a2b3c4d@w1 | thr', 'a last line without its newline, at the end');
  s.end();
  assert.equal(lines.length, 3, 'nothing more to write');
});

test('service logs: a character cut between two chunks comes out whole; notes go apart, after the pending line', () => {
  const { lines, notes, s } = sink();
  const text = Buffer.from('héllo wörld\n');
  s.write(text.subarray(0, 2));
  s.write(text.subarray(2, 9));
  s.write(text.subarray(9));
  assert.deepEqual(lines, ['web-1.1a2b3c4d@w1 | héllo wörld\n']);
  s.write(Buffer.from('partial'));
  s.note('task 1a2b3c4d restarted (restart 1):');
  assert.deepEqual(lines.slice(1), ['web-1.1a2b3c4d@w1 | partial\n']);
  assert.deepEqual(notes, ['web-1.1a2b3c4d@w1 | poseidon: task 1a2b3c4d restarted (restart 1):\n']);
});

test("service logs: a replica's stderr lines go to stderr after its prefix, each stream's partial line kept apart", () => {
  const { lines, notes, s } = sink();
  s.write(Buffer.from('ou'), 'stdout');
  s.write(Buffer.from('err\nha'), 'stderr');
  s.write(Buffer.from('t\n'), 'stdout');
  s.end();
  assert.deepEqual(lines, ['web-1.1a2b3c4d@w1 | out\n']);
  assert.deepEqual(notes, ['web-1.1a2b3c4d@w1 | err\n', 'web-1.1a2b3c4d@w1 | ha\n']);
});

test("service logs: a replica's bytes that are not UTF-8 are written as they are, after the prefix", () => {
  const out: Buffer[] = [];
  const s = new LineSink('web-1.1a2b3c4d@w1', { write: (b: Buffer | string) => out.push(Buffer.from(b)) });
  s.write(Buffer.from([0xff, 0xfe, 0x0a, 0xc3]));
  s.end();
  assert.deepEqual(
    Buffer.concat(out),
    Buffer.concat(
      [Buffer.from('web-1.1a2b3c4d@w1 | '), Buffer.from([0xff, 0xfe, 0x0a])].concat([
        Buffer.from('web-1.1a2b3c4d@w1 | '),
        Buffer.from([0xc3, 0x0a]),
      ]),
    ),
  );
});
