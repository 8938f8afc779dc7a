import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { asBinary, open } from 'lmdb';
import { LmdbStore } from '../../../src/store/index.js';
import { storeContract } from './store-contract.js';

let root = '';
let opened = 0;
/** A path under this file's temp dir that no store has used yet. */
const freshPath = (): string => path.join(root, `db-${(opened += 1)}`);

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'poseidon-lmdb-test-'));
});
after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

storeContract('LmdbStore', () => new LmdbStore<unknown>(freshPath()));

describe('LmdbStore on disk', () => {
  test('creates its directory when the path does not exist yet', async () => {
    const dir = path.join(freshPath(), 'nested', 'deeper');
    const store = new LmdbStore<number>(dir);
    try {
      await store.put('k', 1);
      assert.ok(fs.statSync(dir).isDirectory());
    } finally {
      await store.close();
    }
  });

  test('data written before close is read back after reopening the same path', async () => {
    const dir = freshPath();
    const first = new LmdbStore<unknown>(dir);
    await first.put('tasks/t1', { id: 't1', spec: { image: 'busybox', ports: [{ container: 80 }] } });
    await first.put('tasks/t2', { id: 't2' });
    await first.batch([
      { kind: 'delete', key: 'tasks/t2' },
      { kind: 'put', key: 'nodes/w1', value: { id: 'w1', up: true } },
    ]);
    await first.close();

    const second = new LmdbStore<unknown>(dir);
    try {
      assert.deepEqual(await second.get('tasks/t1'), {
        id: 't1',
        spec: { image: 'busybox', ports: [{ container: 80 }] },
      });
      assert.equal(await second.get('tasks/t2'), undefined);
      assert.deepEqual(await second.list(''), [
        ['nodes/w1', { id: 'w1', up: true }],
        ['tasks/t1', { id: 't1', spec: { image: 'busybox', ports: [{ container: 80 }] } }],
      ]);
    } finally {
      await second.close();
    }
  });

  test('1,000 concurrent puts all resolve and all read back', async () => {
    const store = new LmdbStore<{ n: number; tag: string }>(freshPath());
    try {
      const keys = Array.from({ length: 1000 }, (_, n) => `tasks/${String(n).padStart(4, '0')}`);
      await Promise.all(keys.map((key, n) => store.put(key, { n, tag: key })));
      for (const [n, key] of keys.entries()) assert.deepEqual(await store.get(key), { n, tag: key });
      const listed = await store.list('tasks/');
      assert.equal(listed.length, 1000);
      assert.deepEqual(
        listed.map(([k]) => k),
        keys,
      );
    } finally {
      await store.close();
    }
  });

  test('1,000 concurrent puts survive close and reopen', async () => {
    const dir = freshPath();
    const first = new LmdbStore<number>(dir);
    await Promise.all(Array.from({ length: 1000 }, (_, n) => first.put(`k/${String(n).padStart(4, '0')}`, n)));
    await first.close();
    const second = new LmdbStore<number>(dir);
    try {
      const listed = await second.list('k/');
      assert.equal(listed.length, 1000);
      assert.deepEqual(
        listed.map(([, v]) => v),
        Array.from({ length: 1000 }, (_, n) => n),
      );
    } finally {
      await second.close();
    }
  });

  test('a record that cannot be decoded is set aside by list, named, and the rest are listed', async () => {
    const dir = freshPath();
    const first = new LmdbStore<unknown>(dir);
    await first.put('tasks/a', { id: 'a' });
    await first.put('tasks/c', { id: 'c' });
    await first.put('z', { id: 'z' });
    await first.close();
    // bytes no decoder reads back (0xc1 is never used by MessagePack), as a torn write or another program could leave
    const raw = open({ path: dir });
    await raw.put('tasks/b', asBinary(Buffer.from([0xc1, 0x01, 0x02])));
    await raw.close();

    const setAside: string[] = [];
    const second = new LmdbStore<unknown>(dir, { onSetAside: (key) => setAside.push(key) });
    try {
      assert.deepEqual(await second.list('tasks/'), [
        ['tasks/a', { id: 'a' }],
        ['tasks/c', { id: 'c' }],
      ]);
      assert.deepEqual(setAside, ['tasks/b']);
      assert.deepEqual(
        (await second.list('')).map(([k]) => k),
        ['tasks/a', 'tasks/c', 'z'],
      );
      assert.deepEqual(setAside, ['tasks/b'], 'set aside once: it is no longer in the way');
    } finally {
      await second.close();
    }
    const check = open({ path: dir });
    try {
      assert.deepEqual(check.getBinary('set-aside/tasks/b'), Buffer.from([0xc1, 0x01, 0x02]), 'kept as it was');
      assert.equal(check.getBinary('tasks/b'), undefined);
    } finally {
      await check.close();
    }
  });
});
