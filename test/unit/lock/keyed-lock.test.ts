import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { test } from 'node:test';
import { KeyedLock } from '../../../src/lock/index.js';

test('one operation per key at a time, in the order asked; other keys run beside; a failure frees the key', async () => {
  const lock = new KeyedLock();
  const seen: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const a1 = lock.run('a', async () => {
    seen.push('a1 in');
    await gate;
    seen.push('a1 out');
    return 1;
  });
  const a2 = lock.run('a', async () => {
    seen.push('a2');
    throw new Error('a2 failed');
  });
  const a3 = lock.run('a', async () => {
    seen.push('a3');
    return 3;
  });
  const b = lock.run('b', async () => {
    seen.push('b');
    return 'b';
  });
  // an operation starts a turn later, never within run()
  assert.deepEqual(seen, []);
  assert.equal(await b, 'b');
  assert.deepEqual(seen, ['a1 in', 'b']);
  release();
  assert.equal(await a1, 1);
  await assert.rejects(a2, /a2 failed/);
  assert.equal(await a3, 3);
  assert.deepEqual(seen, ['a1 in', 'b', 'a1 out', 'a2', 'a3']);
  // the key is free again: a new operation runs without waiting for anything
  assert.equal(await lock.run('a', async () => 4), 4);
});

test('a run makes two promises of its own beside its operation', async () => {
  const lock = new KeyedLock();
  const done = Promise.resolve(7);
  await lock.run('warm', () => done); // first calls load code (and may make promises of their own)
  let promises = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') promises += 1;
    },
  });
  hook.enable();
  const result = lock.run('k', () => done);
  hook.disable();
  assert.equal(await result, 7);
  assert.equal(promises, 2);
});
