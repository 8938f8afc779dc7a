import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readHostId } from '../../../src/stats/index.js';

test("a host's id is a hash of its machine-id (never the id itself), else of its host name; the same on every read", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'poseidon-host-id-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  writeFileSync(a, '0123456789abcdef0123456789abcdef\n');
  writeFileSync(b, 'fedcba9876543210fedcba9876543210\n');
  const id = await readHostId(a);
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.notEqual(id, '0123456789abcdef0123456789abcdef');
  assert.equal(await readHostId(a), id);
  assert.notEqual(await readHostId(b), id, 'two machines, two ids');
  const fallback = await readHostId(join(dir, 'missing'));
  assert.match(fallback, /^[0-9a-f]{32}$/);
  writeFileSync(join(dir, 'empty'), '\n');
  assert.equal(await readHostId(join(dir, 'empty')), fallback, 'an empty file: the host name too');
});
