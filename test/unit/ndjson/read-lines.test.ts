import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { ReadableStream } from 'node:stream/web';
import { test } from 'node:test';
import fc from 'fast-check';
import { readLines } from '../../../src/ndjson/index.js';

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

const chunks = (...parts: string[]): Readable => Readable.from(parts.map((p) => Buffer.from(p, 'utf8')));

test('lines come out whole however the chunks cut them, trimmed, blank ones skipped', async () => {
  const lines = await collect(readLines(chunks('{"a":1}\n  \n{"b"', ':2}\r\n', '\n{"c":3}  \n')));
  assert.deepEqual(lines, ['{"a":1}', '{"b":2}', '{"c":3}']);
});

test('the same lines for every way of cutting the bytes into chunks', async () => {
  const text = '{"name":"wörker-ü"}\n\n{"type":"task.started","reason":"🚀"}\n';
  const bytes = Buffer.from(text, 'utf8');
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 8 }), async (cuts) => {
      const at = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
      const parts = at.slice(1).map((end, i) => bytes.subarray(at[i], end));
      assert.deepEqual(await collect(readLines(Readable.from(parts))), [
        '{"name":"wörker-ü"}',
        '{"type":"task.started","reason":"🚀"}',
      ]);
    }),
  );
});

test('a last line without its newline is dropped: the stream broke in the middle of it', async () => {
  assert.deepEqual(await collect(readLines(chunks('{"a":1}\n{"b":'))), ['{"a":1}']);
});

test('a fetch body (a web stream) is read the same way', async () => {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode('{"a":1}\n{"b"'));
      controller.enqueue(encoder.encode(':2}\n'));
      controller.close();
    },
  });
  assert.deepEqual(await collect(readLines(body)), ['{"a":1}', '{"b":2}']);
});

test('an abort while waiting for data ends the lines quietly and destroys the stream', async () => {
  const stream = new PassThrough(); // never ends: only the abort can end the loop
  const abort = new AbortController();
  const seen: string[] = [];
  let sawFirst!: () => void;
  const first = new Promise<void>((resolve) => (sawFirst = resolve));
  const reading = (async () => {
    for await (const line of readLines(stream, abort.signal)) {
      seen.push(line);
      sawFirst();
    }
  })();
  stream.write('{"a":1}\n');
  await first;
  await new Promise((resolve) => setImmediate(resolve)); // the loop is back to waiting for a chunk
  abort.abort();
  await reading;
  assert.deepEqual(seen, ['{"a":1}']);
  assert.equal(stream.destroyed, true);
});

test('a signal aborted before reading yields nothing and destroys the stream', async () => {
  const stream = new PassThrough();
  stream.write('{"a":1}\n');
  assert.deepEqual(await collect(readLines(stream, AbortSignal.abort())), []);
  assert.equal(stream.destroyed, true);
});

test('a stream error that is not an abort is thrown to the reader', async () => {
  const stream = new PassThrough();
  const reading = collect(readLines(stream, new AbortController().signal));
  stream.write('{"a":1}\n');
  stream.destroy(new Error('connection reset'));
  await assert.rejects(reading, /connection reset/);
});

test('leaving the loop early destroys the stream', async () => {
  const stream = new PassThrough();
  stream.write('{"a":1}\n{"b":2}\n');
  for await (const line of readLines(stream)) {
    assert.equal(line, '{"a":1}');
    break;
  }
  assert.equal(stream.destroyed, true);
});
