import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCa } from '../../../src/cli/manager-client.js';

// The CA certificate the CLI is given (--ca, POSEIDON_CA, or the file login saved): one that cannot
// be read names where it came from and says why in words, not as Node's `(ENOENT)`.

test('a CA file that cannot be read names the flag or variable that gave it, and why in words', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-ca-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const missing = join(dir, 'ca.crt');
  assert.throws(() => readCa({ value: missing, from: '--ca' }), {
    message: `--ca names ${missing}, which cannot be read: no such file or directory; check the path`,
  });
  assert.throws(() => readCa({ value: dir, from: 'POSEIDON_CA' }), {
    message: `POSEIDON_CA names ${dir}, which cannot be read: it is a directory; give a file`,
  });
});
