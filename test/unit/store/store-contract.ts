import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Store } from '../../../src/store/index.js';

// The Store contract (src/store/types.ts), run against every implementation: each
// implementation's test file calls storeContract with a function that opens a fresh, empty store.

interface Nested {
  id: string;
  spec: { image: string; ports: Array<{ container: number; host: number }>; env: Record<string, string> };
  attempts: number;
  node: string | null;
}

const record = (id: string): Nested => ({
  id,
  spec: { image: 'busybox', ports: [{ container: 80, host: 8080 }], env: { A: '1' } },
  attempts: 2,
  node: null,
});

export function storeContract(name: string, open: () => Store<unknown>): void {
  describe(`${name} (Store contract)`, () => {
    let store: Store<unknown>;
    beforeEach(() => {
      store = open();
    });
    afterEach(async () => {
      await store.close();
    });

    test('get of a missing key is undefined', async () => {
      assert.equal(await store.get('tasks/missing'), undefined);
    });

    test('put then get returns an equal nested object', async () => {
      await store.put('tasks/t1', record('t1'));
      assert.deepEqual(await store.get('tasks/t1'), record('t1'));
    });

    test('put then get keeps strings, numbers, booleans, null and arrays', async () => {
      const values: unknown[] = ['text', 0, -1.5, 2 ** 40, true, false, null, [], [1, 'two', { three: 3 }], {}];
      for (const [i, v] of values.entries()) await store.put(`v/${i}`, v);
      for (const [i, v] of values.entries()) assert.deepEqual(await store.get(`v/${i}`), v, `value ${i}`);
    });

    test('a second put to a key replaces the value', async () => {
      await store.put('tasks/t1', record('t1'));
      await store.put('tasks/t1', { ...record('t1'), attempts: 3 });
      assert.equal(((await store.get('tasks/t1')) as Nested).attempts, 3);
    });

    test('delete removes the key, and deleting a missing key succeeds', async () => {
      await store.put('tasks/t1', record('t1'));
      await store.delete('tasks/t1');
      assert.equal(await store.get('tasks/t1'), undefined);
      assert.deepEqual(await store.list('tasks/'), []);
      await store.delete('tasks/never-there');
    });

    test('list(prefix) returns only keys with that prefix, in key order, not keys that merely sort after it', async () => {
      for (const key of ['tasks/b', 'node/1', 'tasks0', 'tasks/a/x', 'tas', 'tasks', 'tasks/a', 'tasksz/1', 'u']) {
        await store.put(key, { key });
      }
      assert.deepEqual(await store.list('tasks/'), [
        ['tasks/a', { key: 'tasks/a' }],
        ['tasks/a/x', { key: 'tasks/a/x' }],
        ['tasks/b', { key: 'tasks/b' }],
      ]);
      assert.deepEqual(
        (await store.list('tasks')).map(([k]) => k),
        ['tasks', 'tasks/a', 'tasks/a/x', 'tasks/b', 'tasks0', 'tasksz/1'],
      );
    });

    test('list of a prefix with no keys is empty even when later keys exist', async () => {
      await store.put('b/1', 1);
      await store.put('c/1', 1);
      assert.deepEqual(await store.list('a/'), []);
      assert.deepEqual(await store.list('bb'), []);
    });

    test('list("") returns every key in order', async () => {
      for (const key of ['c', 'a', 'b/1']) await store.put(key, key);
      assert.deepEqual(await store.list(''), [
        ['a', 'a'],
        ['b/1', 'b/1'],
        ['c', 'c'],
      ]);
    });

    test('batch applies puts and deletes together', async () => {
      await store.put('tasks/old', record('old'));
      await store.put('tasks/keep', record('keep'));
      await store.batch([
        { kind: 'put', key: 'tasks/new', value: record('new') },
        { kind: 'delete', key: 'tasks/old' },
        { kind: 'put', key: 'nodes/w1', value: { id: 'w1' } },
      ]);
      assert.deepEqual(
        (await store.list('tasks/')).map(([k]) => k),
        ['tasks/keep', 'tasks/new'],
      );
      assert.equal(await store.get('tasks/old'), undefined);
      assert.deepEqual(await store.get('nodes/w1'), { id: 'w1' });
    });

    test('batch applies its ops in order: a put then a delete of one key leaves it deleted', async () => {
      await store.batch([
        { kind: 'put', key: 'k', value: 1 },
        { kind: 'delete', key: 'k' },
        { kind: 'put', key: 'j', value: 1 },
        { kind: 'put', key: 'j', value: 2 },
      ]);
      assert.equal(await store.get('k'), undefined);
      assert.equal(await store.get('j'), 2);
    });

    test('an empty batch succeeds and changes nothing', async () => {
      await store.put('k', 1);
      await store.batch([]);
      assert.deepEqual(await store.list(''), [['k', 1]]);
    });

    // "Applies every op or none" (src/store/types.ts): a value that cannot be stored (a symbol
    // can be neither cloned nor serialized) must fail the whole batch, not leave its first half.
    test('a batch with a value that cannot be stored rejects and applies none of its ops', async () => {
      await store.put('keep', 'before');
      await assert.rejects(
        store.batch([
          { kind: 'put', key: 'first', value: 1 },
          { kind: 'delete', key: 'keep' },
          { kind: 'put', key: 'bad', value: Symbol('not storable') },
        ]),
      );
      assert.equal(await store.get('first'), undefined);
      assert.equal(await store.get('keep'), 'before');
    });

    test('mutating an object after put does not change the stored value', async () => {
      const value = record('t1');
      await store.put('tasks/t1', value);
      value.attempts = 99;
      value.spec.ports.push({ container: 443, host: 8443 });
      value.spec.env['B'] = '2';
      assert.deepEqual(await store.get('tasks/t1'), record('t1'));
    });

    test('mutating an object while its put is in flight does not change the stored value', async () => {
      const value = record('t1');
      const written = store.put('tasks/t1', value);
      value.spec.image = 'changed';
      await written;
      assert.equal(((await store.get('tasks/t1')) as Nested).spec.image, 'busybox');
    });

    test('mutating what get or list returned does not change the stored value', async () => {
      await store.put('tasks/t1', record('t1'));
      const got = (await store.get('tasks/t1')) as Nested;
      got.spec.env['A'] = 'changed';
      const [entry] = await store.list('tasks/');
      assert.ok(entry !== undefined);
      (entry[1] as Nested).attempts = 42;
      assert.deepEqual(await store.get('tasks/t1'), record('t1'));
    });

    test('setAside moves a record out of every list, to set-aside/<key>', async () => {
      for (const key of ['tasks/a', 'tasks/b', 'z']) await store.put(key, record(key));
      await store.setAside('tasks/a');
      assert.deepEqual(
        (await store.list('tasks/')).map(([k]) => k),
        ['tasks/b'],
      );
      assert.deepEqual(
        (await store.list('')).map(([k]) => k),
        ['tasks/b', 'z'],
      );
      assert.equal(await store.get('tasks/a'), undefined);
      assert.deepEqual(
        (await store.list('set-aside/')).map(([k]) => k),
        ['set-aside/tasks/a'],
      );
      await store.setAside('tasks/never-there');
    });

    test('close twice succeeds', async () => {
      await store.close();
      await store.close();
    });
  });
}
