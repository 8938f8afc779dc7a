import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { ExecInput } from '../../../src/api/index.js';
import { pumpInput } from '../../../src/cli/exec-input.js';

// `poseidon exec -i`: what is typed or piped goes out as calls one after another, in order, each
// at most 32 KiB, the end of the input last; keys typed while a call is out go together in the next.

/** A `send` that holds each call until the test lets it go, and keeps what was sent. */
function heldSends(): { sent: ExecInput[]; send(body: ExecInput): Promise<void>; release(): void; pending(): number } {
  const sent: ExecInput[] = [];
  const waiting: Array<() => void> = [];
  return {
    sent,
    send: (body) => {
      sent.push(body);
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    release: () => waiting.shift()?.(),
    pending: () => waiting.length,
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const bytesOf = (sent: ExecInput[]): Buffer => Buffer.concat(sent.map((b) => Buffer.from(b.data ?? '', 'base64')));

test('keys typed while a call is out go together in the next call; a resize rides with them; the end comes last', async () => {
  const input = new PassThrough();
  const s = heldSends();
  const pump = pumpInput(input, s.send, new AbortController().signal);
  input.write('l');
  await turn();
  assert.deepEqual(s.sent, [{ data: Buffer.from('l').toString('base64') }]);
  input.write('s');
  input.write(' -');
  pump.resize({ cols: 120, rows: 50 });
  input.write('l\r');
  await turn();
  assert.equal(s.sent.length, 1, 'nothing more goes while a call is out');
  s.release();
  await turn();
  assert.deepEqual(s.sent[1], { data: Buffer.from('s -l\r').toString('base64'), size: { cols: 120, rows: 50 } });
  input.end();
  s.release();
  await turn();
  assert.deepEqual(s.sent[2], { eof: true });
  s.release();
  await pump.done;
  assert.equal(s.sent.length, 3);
});

test('a large input goes in calls of at most 32 KiB, whole and in order, the end with the last of it', async () => {
  const input = new PassThrough();
  const s = heldSends();
  const pump = pumpInput(input, s.send, new AbortController().signal);
  const all = Buffer.alloc(100_000);
  for (let i = 0; i < all.length; i++) all[i] = i % 251;
  input.end(all);
  while (s.sent.at(-1)?.eof !== true) {
    await turn();
    s.release();
  }
  s.release();
  await pump.done;
  for (const body of s.sent) assert.ok(Buffer.from(body.data ?? '', 'base64').length <= 32 * 1024);
  assert.ok(s.sent.length >= 4, `${s.sent.length} calls`);
  assert.deepEqual(bytesOf(s.sent), all);
  assert.equal(s.sent.filter((b) => b.eof === true).length, 1);
});

test('reading pauses while the command is behind, and goes on as it catches up', async () => {
  const input = new PassThrough({ highWaterMark: 16 * 1024 });
  const s = heldSends();
  let read = 0;
  let resumed = 0;
  input.on('data', (c: Buffer) => (read += c.length));
  input.on('resume', () => (resumed += 1));
  const pump = pumpInput(input, s.send, new AbortController().signal);
  for (let i = 0; i < 40; i++) input.write(Buffer.alloc(16 * 1024, i));
  input.end();
  await turn();
  assert.equal(input.isPaused(), true, 'past 256 KiB read ahead, reading waits');
  const resumedBefore = resumed;
  let mostAhead = 0;
  while (s.sent.at(-1)?.eof !== true) {
    mostAhead = Math.max(mostAhead, read - bytesOf(s.sent).length);
    s.release();
    await turn();
  }
  s.release();
  await pump.done;
  assert.ok(resumed > resumedBefore, 'reading went on as the command took its input');
  assert.ok(mostAhead <= 256 * 1024 + 16 * 1024, `at most 256 KiB and a chunk read ahead, was ${mostAhead}`);
  assert.equal(bytesOf(s.sent).length, 40 * 16 * 1024);
});

test('once the command has exited, nothing more is sent, and the input is let go', async () => {
  const input = new PassThrough();
  const s = heldSends();
  const exited = new AbortController();
  const pump = pumpInput(input, s.send, exited.signal);
  exited.abort();
  input.write('too late');
  await pump.done;
  assert.deepEqual(s.sent, []);
  assert.equal(input.listenerCount('data'), 0);
});
