import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { claimDev } from '../../../src/cli/dev-claim.js';
import { LmdbStore } from '../../../src/store/index.js';
import { dataDir, privateDir } from '../../../src/store/private-dir.js';

// The store holds every task's env in plain text (a DB_PASSWORD given with -e): under the usual
// umask, 022, nothing a manager, a worker or poseidon dev makes may be readable by other users.

let root = '';
let made = 0;
let umask = 0;
const fresh = (): string => path.join(root, `dir-${(made += 1)}`);
const modeOf = (file: string): number => fs.statSync(file).mode & 0o777;
const octal = (mode: number): string => mode.toString(8).padStart(4, '0');

before(() => {
  umask = process.umask(0o022);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'poseidon-private-files-'));
});
after(() => {
  process.umask(umask);
  fs.rmSync(root, { recursive: true, force: true });
});

test('an LMDB store is created 0700, its files 0600, under a 022 umask', async () => {
  const dir = path.join(fresh(), 'state');
  const store = new LmdbStore<{ env: Record<string, string> }>(dir);
  try {
    await store.put('task/t1', { env: { DB_PASSWORD: 'hunter2' } });
  } finally {
    await store.close();
  }
  assert.equal(octal(modeOf(dir)), '0700');
  const files = fs.readdirSync(dir).sort();
  assert.deepEqual(files, ['data.mdb', 'lock.mdb']);
  for (const file of files) assert.equal(octal(modeOf(path.join(dir, file))), '0600', file);
});

test('an existing store dir that others could enter is tightened to 0700 when the store opens', async () => {
  const dir = fresh();
  fs.mkdirSync(dir, { mode: 0o755 });
  assert.equal(octal(modeOf(dir)), '0755');
  const store = new LmdbStore<number>(dir);
  await store.close();
  assert.equal(octal(modeOf(dir)), '0700');
});

test('a data dir is created 0700, missing parents too, under a 022 umask', () => {
  const top = fresh();
  const dir = path.join(top, 'nested', 'manager');
  dataDir(dir);
  assert.deepEqual([top, path.join(top, 'nested'), dir].map(modeOf).map(octal), ['0700', '0700', '0700']);
});

test('an existing data dir keeps its mode (it may be shared); privateDir tightens a store dir to 0700', () => {
  const loose = fresh();
  fs.mkdirSync(loose, { mode: 0o755 });
  fs.writeFileSync(path.join(loose, 'keep'), 'x');
  dataDir(loose);
  assert.equal(octal(modeOf(loose)), '0755');
  privateDir(loose);
  assert.equal(octal(modeOf(loose)), '0700');
  assert.equal(fs.readFileSync(path.join(loose, 'keep'), 'utf8'), 'x', 'what is in it stays');
  privateDir(loose);
  assert.equal(octal(modeOf(loose)), '0700');
});

test("poseidon dev's data dir is created 0700 when dev claims it; an existing one keeps its mode", async () => {
  const created = path.join(fresh(), 'dev');
  await (
    await claimDev(created)
  )();
  assert.equal(octal(modeOf(created)), '0700');
  const loose = fresh();
  fs.mkdirSync(loose, { mode: 0o755 });
  await (
    await claimDev(loose)
  )();
  assert.equal(octal(modeOf(loose)), '0755');
});
