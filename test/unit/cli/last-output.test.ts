import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { ManagerClient } from '../../../src/client/index.js';
import { lastOutput, outputBlock } from '../../../src/cli/last-output.js';

/** A client whose logs are these chunks, or whose logs call fails. */
function clientWith(chunks: Buffer[] | Error): ManagerClient {
  const logs = async (): Promise<Readable> => {
    if (chunks instanceof Error) throw chunks;
    return Readable.from(chunks);
  };
  return { logs } as unknown as ManagerClient;
}

test("a failed task's last lines: blank ones left out, control characters made safe, at most the number asked", async () => {
  const out = await lastOutput(
    clientWith([Buffer.from('one\n\ntwo\x1b[31m\r\n'), Buffer.from('three\nfour\n')]),
    'id',
    3,
  );
  assert.equal(out.length, 3);
  assert.equal(out[1], 'three');
  assert.doesNotMatch(out[0] ?? '', /\x1b/, 'no raw escape reaches the terminal');
});

test('a long output keeps its end: the last chunks, not the first', async () => {
  const big = Buffer.alloc(40 * 1024, 'a');
  const out = await lastOutput(clientWith([Buffer.from('first\n'), big, Buffer.from('\nlast line\n')]), 'id');
  assert.equal(out.at(-1), 'last line');
  assert.ok(!out.includes('first'));
});

test('output that cannot be read gives no block: the failure line says enough', async () => {
  assert.deepEqual(await lastOutput(clientWith(new Error('container gone')), 'id'), []);
  assert.equal(outputBlock('4c372f78-b5a9', []), '');
  assert.equal(
    outputBlock('4c372f78-b5a9', ['boom']),
    'poseidon: its last output (poseidon logs 4c372f78 for all of it):\n  boom\n',
  );
});
