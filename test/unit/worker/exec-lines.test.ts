import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { test } from 'node:test';
import { demuxFrames } from '../../../src/driver/docker/demux.js';
import type { ExecOutput, ExecRun } from '../../../src/driver/index.js';
import { execLines } from '../../../src/worker/exec-lines.js';

// `poseidon exec`'s answer as the worker streams it, and Docker's frames it is made of.

async function text(stream: Readable): Promise<string[]> {
  let all = '';
  for await (const chunk of stream) all += String(chunk);
  return all.split('\n').filter((l) => l !== '');
}

function run(pieces: ExecOutput[], exitCode = 0, thenFail?: Error): ExecRun {
  return {
    output: (async function* () {
      yield* pieces;
      if (thenFail !== undefined) throw thenFail;
    })(),
    exitCode: async () => exitCode,
  };
}

test('output comes as lines of its stream, then the exit code; a character cut in two is whole', async () => {
  const e = Buffer.from('été\n');
  const lines = await text(
    execLines(
      run(
        [
          { stream: 'stdout', data: e.subarray(0, 1) },
          { stream: 'stderr', data: Buffer.from('warn\n') },
          { stream: 'stdout', data: e.subarray(1) },
        ],
        3,
      ),
      60_000,
      new AbortController(),
    ),
  );
  assert.deepEqual(
    lines.map((l) => JSON.parse(l) as unknown),
    [{ stderr: 'warn\n' }, { stdout: '\u00e9t\u00e9\n' }, { exitCode: 3 }],
    'the first byte of é waits for its second',
  );
});

test('in base64 every byte comes as it was, a session line first when there is one', async () => {
  const binary = Buffer.from([0xff, 0x00, 0xc3, 0x0a, 0x80]);
  const lines = await text(
    execLines(
      run([
        { stream: 'stdout', data: binary.subarray(0, 3) },
        { stream: 'stderr', data: Buffer.from([0xfe]) },
        { stream: 'stdout', data: binary.subarray(3) },
      ]),
      60_000,
      new AbortController(),
      { encoding: 'base64', first: { session: 's', taskId: 't' } },
    ),
  );
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, string>);
  assert.deepEqual(parsed[0], { session: 's', taskId: 't' });
  const out = Buffer.concat(parsed.filter((l) => 'stdout' in l).map((l) => Buffer.from(l.stdout ?? '', 'base64')));
  assert.ok(out.equals(binary), out.toString('hex'));
  assert.deepEqual(
    parsed.filter((l) => 'stderr' in l),
    [{ stderr: Buffer.from([0xfe]).toString('base64') }],
  );
  assert.deepEqual(parsed.at(-1), { exitCode: 0 });
});

test('past its timeout the stream ends with an error line and lets go of the command', async () => {
  const detach = new AbortController();
  const endless: ExecRun = {
    output: (async function* () {
      yield { stream: 'stdout', data: Buffer.from('start\n') } as ExecOutput;
      await new Promise<void>((resolve) => detach.signal.addEventListener('abort', () => resolve()));
      throw new Error('premature close');
    })(),
    exitCode: async () => assert.fail('no exit code after a timeout'),
  };
  const lines = await text(execLines(endless, 30, detach));
  assert.equal(detach.signal.aborted, true);
  assert.deepEqual(
    lines.map((l) => JSON.parse(l) as unknown),
    [{ stdout: 'start\n' }, { error: 'timed out after 30ms; the command may still run in the container' }],
  );
});

test('output cut by the engine ends with an error line; a client that left gets nothing more', async () => {
  const cut = await text(execLines(run([], 0, new Error('socket hang up')), 60_000, new AbortController()));
  assert.deepEqual(
    cut.map((l) => JSON.parse(l) as unknown),
    [{ error: "the command's output was cut: socket hang up" }],
  );
  const left = new AbortController();
  left.abort();
  assert.deepEqual(await text(execLines(run([], 0, new Error('premature close')), 60_000, left)), []);
});

test("Docker's frames become pieces of stdout and stderr, headers and payloads split anywhere", async () => {
  const frame = (type: number, payload: string): Buffer => {
    const body = Buffer.from(payload);
    const head = Buffer.alloc(8);
    head[0] = type;
    head.writeUInt32BE(body.length, 4);
    return Buffer.concat([head, body]);
  };
  const bytes = Buffer.concat([frame(1, 'out'), frame(2, 'err'), frame(1, ''), frame(1, 'more')]);
  const chunks = [bytes.subarray(0, 3), bytes.subarray(3, 13), bytes.subarray(13)];
  const pieces: Array<[string, string]> = [];
  for await (const p of demuxFrames(
    (async function* () {
      yield* chunks;
    })(),
  ))
    pieces.push([p.stream, p.data.toString()]);
  assert.deepEqual(pieces, [
    ['stdout', 'out'],
    ['stderr', 'err'],
    ['stdout', 'more'],
  ]);
});
