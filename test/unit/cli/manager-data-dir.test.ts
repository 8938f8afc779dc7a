import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startManager } from './start-manager.js';

const modeOf = (file: string): string => (fs.statSync(file).mode & 0o777).toString(8).padStart(4, '0');

test("a manager's new data dir is 0700, its stores' dirs 0700 and files 0600 under a 022 umask, in an existing 0755 one too", async (t) => {
  const umask = process.umask(0o022);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'poseidon-manager-dir-'));
  t.after(() => {
    process.umask(umask);
    fs.rmSync(root, { recursive: true, force: true });
  });
  const start = (dataDir: string) => startManager(dataDir);
  const fresh = path.join(root, 'manager');
  await (await start(fresh)).close();
  const loose = path.join(root, 'older');
  fs.mkdirSync(loose, { mode: 0o755 });
  await (await start(loose)).close();
  assert.equal(modeOf(fresh), '0700');
  assert.equal(modeOf(loose), '0755', 'an existing data dir keeps its mode: it may be shared');
  for (const dataDir of [fresh, loose]) {
    for (const store of ['state', 'tokens']) {
      assert.equal(modeOf(path.join(dataDir, store)), '0700', store);
      for (const file of ['data.mdb', 'lock.mdb']) assert.equal(modeOf(path.join(dataDir, store, file)), '0600', file);
    }
  }
});
