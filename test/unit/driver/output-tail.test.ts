import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutputTail } from '../../../src/driver/docker/output-tail.js';

/** One of Docker's multiplexed frames: stream type, 3 zero bytes, big-endian length, payload. */
function frame(text: string, stream = 1): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header.writeUInt8(stream, 0);
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

test('frames are read as text, stdout and stderr together, however the bytes are split', () => {
  const bytes = Buffer.concat([frame('hello '), frame('from stderr ', 2), frame('world')]);
  for (const size of [1, 3, 7, 8, 9, bytes.length]) {
    const tail = new OutputTail(1024);
    for (let at = 0; at < bytes.length; at += size) tail.push(bytes.subarray(at, at + size));
    assert.equal(tail.text(), 'hello from stderr world', `chunks of ${size}`);
  }
});

test('only the last maxBytes are kept, across frames and within one', () => {
  const tail = new OutputTail(10);
  tail.push(frame('0123456789abcdef'));
  assert.equal(tail.text(), '6789abcdef');
  tail.push(frame('XYZ'));
  assert.equal(tail.text(), '9abcdefXYZ');
  for (let i = 0; i < 1000; i++) tail.push(frame(`line ${i}\n`));
  assert.equal(tail.text(), '\nline 999\n');
});
