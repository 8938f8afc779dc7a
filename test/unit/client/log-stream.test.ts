import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { logPieces, type LogPiece } from '../../../src/client/log-stream.js';

// A log read's answer as the CLI reads it: by its Content-Type, each stream apart, or (a server
// older than that) all as stdout.

async function pieces(chunks: string[], type: string): Promise<Array<[LogPiece['stream'], string]>> {
  const out: Array<[LogPiece['stream'], string]> = [];
  for await (const p of logPieces(Readable.from(chunks.map((c) => Buffer.from(c))), type))
    out.push([p.stream, p.data.toString('utf8')]);
  return out;
}

test('NDJSON comes as pieces of their streams, however the lines were cut', async () => {
  const lines = `${JSON.stringify({ stdout: 'out\n' })}\n${JSON.stringify({ stderr: 'err\n' })}\n`;
  assert.deepEqual(await pieces([lines.slice(0, 9), lines.slice(9)], 'application/x-ndjson'), [
    ['stdout', 'out\n'],
    ['stderr', 'err\n'],
  ]);
});

test("text (an older manager's answer) comes all as stdout, as it was shown before", async () => {
  assert.deepEqual(await pieces(['out\n', 'err\n'], 'text/plain; charset=utf-8'), [
    ['stdout', 'out\n'],
    ['stdout', 'err\n'],
  ]);
});

test('a line that is neither stream ends the read with an error that says so', async () => {
  await assert.rejects(pieces(['{"exitCode":0}\n'], 'application/x-ndjson'), {
    code: 'bad_answer',
    message: 'the log stream has a line that is neither stdout nor stderr: {"exitCode":0}',
  });
});
