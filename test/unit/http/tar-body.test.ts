import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { BodyTooLarge, cappedBody } from '../../../src/http/index.js';

// An upload (`poseidon cp` into a task) streams through a server counted, and is cut off past its bound.

async function drain(stream: Readable): Promise<number> {
  let n = 0;
  for await (const chunk of stream) n += (chunk as Buffer).length;
  return n;
}

test('up to the bound it passes whole; past it the stream fails with 413 and what it goes to is told', async () => {
  let told = 0;
  const whole = cappedBody(Readable.from([Buffer.alloc(60), Buffer.alloc(40)]), 100, undefined, () => told++);
  assert.equal(await drain(whole), 100);
  const over = cappedBody(Readable.from([Buffer.alloc(60), Buffer.alloc(41)]), 100, undefined, () => told++);
  await assert.rejects(drain(over), (err: unknown) => err instanceof BodyTooLarge && err.status === 413);
  assert.equal(told, 1);
});

test('a declared Content-Length past the bound is refused before a byte is read', () => {
  const body = Readable.from([Buffer.alloc(1)]);
  assert.throws(() => cappedBody(body, 100, '101', () => undefined), BodyTooLarge);
  assert.equal(body.readableFlowing, null, 'not read');
});
