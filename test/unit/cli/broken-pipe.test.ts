import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { POSEIDON_BIN } from '../../../testkit/spawner.js';

// `poseidon … | head -1`: the reader closes the pipe before the CLI has written all it had. The
// CLI stops quietly with a SIGPIPE's status (141), as `ls | head` leaves `ls`, not with a stack
// trace of the write that failed.

test('a reader that closes the pipe early ends the CLI quietly, with status 141', async () => {
  const child = spawn(process.execPath, [POSEIDON_BIN, 'completion', 'bash'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy(); // the reader is gone before the first write
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  assert.equal(stderr, '', 'nothing on stderr');
  assert.equal(code, 141);
});
