import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { claimDataDir } from '../../../src/cli/data-dir-claim.js';
import { startManager } from './start-manager.js';

// Two managers on one data dir share its certificate, so their identity: the second is refused.

function tempDir(t: { after(fn: () => void): void }): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'poseidon-claim-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  return root;
}

test('a data dir claimed for a role is refused to a second claim, through a symlink too, until released', async (t) => {
  const root = tempDir(t);
  const dir = path.join(root, 'manager');
  fs.mkdirSync(dir);
  fs.symlinkSync(dir, path.join(root, 'alias'));
  const release = await claimDataDir('manager', dir);
  for (const again of [dir, path.join(root, 'alias'), `${dir}/.`])
    await assert.rejects(claimDataDir('manager', again), (err: Error) => {
      assert.match(err.message, /^--data-dir .* is in use by another poseidon manager \(pid (\d+), since /);
      assert.equal(err.message.match(/pid (\d+)/)?.[1], String(process.pid), 'names the holder');
      assert.match(err.message, /give each manager a data dir of its own/);
      return true;
    });
  const other = await claimDataDir('worker', dir);
  await other();
  await release();
  const afterRelease = await claimDataDir('manager', dir);
  await afterRelease();
});

test('a second manager on a data dir a running manager holds is refused before it opens anything', async (t) => {
  const dataDir = path.join(tempDir(t), 'manager');
  const start = () => startManager(dataDir);
  const first = await start();
  await assert.rejects(start(), /is in use by another poseidon manager/);
  await first.close();
  const again = await start(); // a manager stopped lets its data dir go
  await again.close();
});
