import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printable, printableJson, toJson } from '../../../src/cli/terminal-text.js';

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const CASES: ReadonlyArray<readonly [string, string]> = [
  ['web', 'web'],
  ['clear\u001b[2Jscreen', 'clear\\x1b[2Jscreen'],
  ['title\u001b]0;pwned\u0007', 'title\\x1b]0;pwned\\x07'],
  ['c1 csi\u009b31m', 'c1 csi\\x9b31m'],
  ['two\nlines\r', 'two\\x0alines\\x0d'],
  ['tab\there', 'tab\\x09here'],
  ['bidi \u202egnp.exe', 'bidi \\u202egnp.exe'],
  ['isolate \u2066x\u2069', 'isolate \\u2066x\\u2069'],
  ['del\u007f', 'del\\x7f'],
  ['wörker-ü 🚀 日本', 'wörker-ü 🚀 日本'],
];
for (const [raw, shown] of CASES) {
  test(`printable(${JSON.stringify(raw)}) shows its control characters as codes`, () => {
    assert.equal(printable(raw), shown);
    assert.doesNotMatch(printable(raw), UNSAFE);
  });
}

test('toJson is the same JSON with nothing a terminal acts on', () => {
  const value = { name: 'a\u009b2J', reason: 'x\u001b[31m\u202e', fine: 'wörker', list: [1, 'two'] };
  const text = toJson(value);
  assert.deepEqual(JSON.parse(text), value);
  assert.doesNotMatch(text.replace(/\n/g, ''), UNSAFE);
});

test('printableJson keeps a line the same JSON, its whitespace included, and escapes a raw control character', () => {
  const line = '{"type":"task.exited",\t"reason":"\u001b[2J\u009b"}';
  const safe = printableJson(line);
  assert.deepEqual(JSON.parse(safe), JSON.parse(line.replace('\u001b', '\\u001b')));
  assert.doesNotMatch(safe.replace(/\t/g, ''), UNSAFE);
});
