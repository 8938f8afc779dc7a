import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ClusterCa, filesKeyOf, filesKeyOfPem } from '../../../src/pki/index.js';

test("the key that seals secrets follows the CA's key: the same in every data dir that holds it, another for another CA", async () => {
  const one = await ClusterCa.create(Date.now());
  const two = await ClusterCa.create(Date.now());
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-files-key-'));
  try {
    await writeFile(join(dir, 'ca.key'), one.keyPem);
    const key = await filesKeyOf(dir);
    assert.equal(key.length, 32);
    assert.deepEqual(key, filesKeyOfPem(one.keyPem), 'a group member that wrote the CA from the bundle');
    assert.notDeepEqual(key, filesKeyOfPem(two.keyPem));
    await rm(join(dir, 'ca.key'));
    await assert.rejects(filesKeyOf(dir), /the cluster CA key .* is missing; restore it from a backup/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
