import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { test } from 'node:test';
import { demuxFrames } from '../../../src/driver/docker/demux.js';
import { logOutput } from '../../../src/worker/log-output.js';

// A container's logs as a worker answers them: the engine's frames, each stream apart as NDJSON
// when asked, or both streams together as text.

/** One engine frame: the stream's type (1 stdout, 2 stderr), 3 zero bytes, the length, the payload. */
function frame(type: 1 | 2, payload: Buffer | string): Buffer {
  const data = Buffer.from(payload);
  const head = Buffer.alloc(8);
  head[0] = type;
  head.writeUInt32BE(data.length, 4);
  return Buffer.concat([head, data]);
}

async function body(stream: Readable): Promise<string> {
  let all = '';
  for await (const chunk of stream) all += String(chunk);
  return all;
}

test('each piece of the logs comes as a line of its stream; a character cut between frames of one stream is whole', async () => {
  const e = Buffer.from('été\n');
  // the whole read (logs without follow) as one buffer, stderr between the two halves of stdout's line
  const read = Buffer.concat([
    frame(1, 'out\n'),
    frame(1, e.subarray(0, 1)),
    frame(2, 'err\n'),
    frame(1, e.subarray(1)),
  ]);
  const lines = (await body(logOutput(demuxFrames([read]), true))).trimEnd().split('\n');
  assert.deepEqual(
    lines.map((l) => JSON.parse(l) as unknown),
    [{ stdout: 'out\n' }, { stderr: 'err\n' }, { stdout: 'été\n' }],
  );
});

test('asked for text (an older client), both streams come together as the container wrote them', async () => {
  const read = Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, 'more\n')]);
  assert.equal(await body(logOutput(demuxFrames([read]), false)), 'out\nerr\nmore\n');
});
