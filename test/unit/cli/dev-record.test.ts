import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { readDevRecord, writeDevRecord } from '../../../src/cli/dev-record.js';

// What a dev ran as, read back by `poseidon dev --clean`: its worker's name and network, whatever
// flags the clean is given; a record that does not read as one is no record (the flags are used).

async function dataDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-dev-record-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('the worker name and network a dev ran as are read back, from a file only its owner reads', async (t) => {
  const dir = await dataDir(t);
  assert.equal(await readDevRecord(dir), undefined, 'none before a dev ran');
  await writeDevRecord(dir, { workerName: 'z-dev', network: 'pn_Z.1' });
  assert.deepEqual(await readDevRecord(dir), { workerName: 'z-dev', network: 'pn_Z.1' });
  assert.equal((await stat(join(dir, 'dev.json'))).mode & 0o777, 0o600);
});

test('a record that is not JSON, lacks a field, or names what no flag takes is no record', async (t) => {
  const dir = await dataDir(t);
  for (const text of [
    '{',
    '[]',
    '{"workerName":"w"}',
    '{"workerName":"Not A Label","network":"n"}',
    '{"workerName":"w","network":"-n"}',
    `{"workerName":"w","network":"${'n'.repeat(64)}"}`,
  ]) {
    await writeFile(join(dir, 'dev.json'), text);
    assert.equal(await readDevRecord(dir), undefined, text);
  }
});
