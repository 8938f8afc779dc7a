import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogPiece, ManagerClient } from '../../../src/client/index.js';
import { lastOutput, outputBlock, writeBlock, type OutputLine } from '../../../src/cli/last-output.js';

type Piece = [LogPiece['stream'], string | Buffer];

/** A client whose logs are these pieces, or whose logs call fails. */
function clientWith(pieces: Array<Piece | Buffer> | Error): Pick<ManagerClient, 'logStreams'> {
  const logStreams = async (): Promise<AsyncGenerator<LogPiece, void, undefined>> => {
    if (pieces instanceof Error) throw pieces;
    return (async function* () {
      for (const p of pieces)
        if (Buffer.isBuffer(p)) yield { stream: 'stdout', data: p };
        else yield { stream: p[0], data: Buffer.from(p[1]) };
    })();
  };
  return { logStreams };
}

const texts = (lines: OutputLine[]): string[] => lines.map((l) => l.text);

test("a failed task's last lines: blank ones left out, control characters made safe, at most the number asked", async () => {
  const out = await lastOutput(
    clientWith([Buffer.from('one\n\ntwo\x1b[31m\r\n'), Buffer.from('three\nfour\n')]),
    'id',
    3,
  );
  assert.equal(out.length, 3);
  assert.equal(out[1]?.text, 'three');
  assert.doesNotMatch(out[0]?.text ?? '', /\x1b/, 'no raw escape reaches the terminal');
});

test('a long output keeps its end: the last chunks, not the first', async () => {
  const big = Buffer.alloc(40 * 1024, 'a');
  const out = await lastOutput(clientWith([Buffer.from('first\n'), big, Buffer.from('\nlast line\n')]), 'id');
  assert.equal(out.at(-1)?.text, 'last line');
  assert.ok(!texts(out).includes('first'));
  assert.ok(texts(out).join('').length <= 16 * 1024, 'the long line is cut');
});

test('each line keeps the stream it was written to, a line written in pieces between the other stream whole', async () => {
  const out = await lastOutput(
    clientWith([
      ['stdout', 'starting\nloading con'],
      ['stderr', 'warning: old config\n'],
      ['stdout', 'fig\n'],
      ['stderr', Buffer.from([0xe2, 0x82])],
      ['stdout', 'done'],
      ['stderr', Buffer.from([0xac, 0x0a])],
    ]),
    'id',
  );
  assert.deepEqual(out, [
    { stream: 'stdout', text: 'starting' },
    { stream: 'stderr', text: 'warning: old config' },
    { stream: 'stdout', text: 'loading config' },
    { stream: 'stderr', text: '€' },
    { stream: 'stdout', text: 'done' },
  ]);
});

test("the block: its heading and the container's stderr lines on stderr, its stdout lines on stdout, in order", () => {
  const written: string[] = [];
  const to = (name: string) => (t: string) => void written.push(`${name}:${t}`);
  writeBlock(
    outputBlock('4c372f78-b5a9', [
      { stream: 'stdout', text: 'listening' },
      { stream: 'stderr', text: 'boom' },
    ]),
    { out: to('out'), err: to('err') },
  );
  assert.deepEqual(written, [
    'err:poseidon: its last output (poseidon logs 4c372f78 for all of it):\n',
    'out:  listening\n',
    'err:  boom\n',
  ]);
});

test('output that cannot be read gives no block: the failure line says enough', async () => {
  assert.deepEqual(await lastOutput(clientWith(new Error('container gone')), 'id'), []);
  assert.deepEqual(outputBlock('4c372f78-b5a9', []), []);
});
