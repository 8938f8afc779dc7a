import assert from 'node:assert/strict';
import { test } from 'node:test';
import { psArgsOf } from '../../../src/cli/top-action.js';
import { InvalidField } from '../../../src/errors/index.js';

// `poseidon top TASK [ps OPTIONS]`: ps's options become one argument, refused here as the API would.

test("ps's words are joined as docker top joins them; none leaves the engine's -ef", () => {
  assert.equal(psArgsOf([]), undefined);
  assert.equal(psArgsOf(['-o', 'pid,comm']), '-o pid,comm');
  assert.equal(psArgsOf(['aux']), 'aux');
});

test('a character ps has no use for (a shell would), or more than 64, is refused naming the options', () => {
  for (const words of [['-o', 'pid;id'], ['$(id)'], ['-o', 'x'.repeat(64)]])
    assert.throws(
      () => psArgsOf(words),
      (err: unknown) => err instanceof InvalidField && err.message.startsWith('ps OPTIONS are '),
    );
});
