import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { EtcdStore, FenceLost, PrefixFollower, StoreRefused, StoreUnavailable } from '../../src/store/etcd.js';
import { EtcdCluster } from '../../testkit/etcd-cluster.js';
import { storeContract } from '../unit/store/store-contract.js';

// The Store contract on a real three-member etcd cluster on loopback, and what only etcd does:
// writes that survive a member's loss, group commit within etcd's limits, lists in pages, and
// fenced writes that a lost leadership refuses.

let etcd: EtcdCluster;
let opened = 0;
const open = (extra: Partial<ConstructorParameters<typeof EtcdStore>[0]> = {}): EtcdStore<unknown> =>
  new EtcdStore<unknown>({ endpoints: etcd.endpoints, prefix: `/test-${process.pid}/s${(opened += 1)}/`, ...extra });

before(async () => {
  etcd = await EtcdCluster.start(3);
});
after(async () => {
  await etcd.stop();
});

storeContract('EtcdStore', () => open());

describe('EtcdStore on a three-member cluster', () => {
  test('concurrent writes share transactions, and two writes of one key in one transaction keep the last', async () => {
    const store = open();
    try {
      await Promise.all(Array.from({ length: 300 }, (_, i) => store.put(`k/${i % 100}`, i)));
      const all = await store.list('k/');
      assert.equal(all.length, 100);
      for (const [key, value] of all) assert.equal(Number(key.slice(2)) + 200, value, key);
      const { writes, commits } = store.stats();
      assert.equal(writes, 300);
      assert.ok(commits < 300, `${commits} commits for 300 writes: writes in flight together must share one`);
    } finally {
      await store.close();
    }
  });

  test('a batch larger than one transaction allows is refused whole by etcd, and nothing of it is written', async () => {
    const store = open();
    try {
      const ops = Array.from({ length: 200 }, (_, i) => ({ kind: 'put' as const, key: `big/${i}`, value: i }));
      await assert.rejects(store.batch(ops), StoreRefused);
      assert.deepEqual(await store.list('big/'), []);
    } finally {
      await store.close();
    }
  });

  test('list reads past one page, in key order', async () => {
    const store = open();
    try {
      const n = 2_500;
      for (let i = 0; i < n; i += 100)
        await store.batch(
          Array.from({ length: 100 }, (_, j) => ({
            kind: 'put' as const,
            key: `p/${String(i + j).padStart(5, '0')}`,
            value: i + j,
          })),
        );
      const all = await store.list('p/');
      assert.equal(all.length, n);
      assert.deepEqual(
        all.map(([, v]) => v),
        Array.from({ length: n }, (_, i) => i),
      );
    } finally {
      await store.close();
    }
  });

  test('a fenced write goes through while the fence holds and is refused, with nothing written, once it does not', async () => {
    const store = open();
    const leader = etcd.endpoints.length > 0 ? `/test-${process.pid}/leader-${opened}` : '';
    const guard = open({ prefix: '' });
    try {
      await guard.put(leader, 'term 1');
      const created = await guard.client.get(leader).exec();
      const createRevision = created.kvs[0]?.create_revision ?? '';
      store.setFence({ key: leader, createRevision, describe: 'leadership of the test (term 1)' });
      await store.put('fenced/a', 1);
      assert.equal(await store.get('fenced/a'), 1);
      // another term: the key is created again, with a new create revision
      await guard.delete(leader);
      await guard.put(leader, 'term 2');
      await assert.rejects(
        store.put('fenced/b', 2),
        (err: unknown) => err instanceof FenceLost && err.code === 'not_leader',
      );
      assert.equal(await store.get('fenced/b'), undefined);
    } finally {
      await store.close();
      await guard.close();
    }
  });

  test('with one member stopped, writes and reads go on; the member rejoins with every write', async () => {
    const store = open();
    try {
      await store.put('m/before', 1);
      await etcd.stopMember(0);
      await store.put('m/during', 2);
      assert.deepEqual(await store.list('m/'), [
        ['m/before', 1],
        ['m/during', 2],
      ]);
      await etcd.startMember(0);
      const only0 = new EtcdStore<unknown>({ endpoints: [etcd.endpoints[0] ?? ''], prefix: storePrefix(store) });
      try {
        assert.equal(await only0.get('m/during'), 2);
      } finally {
        await only0.close();
      }
    } finally {
      await store.close();
    }
  });

  test('with a majority stopped, a write fails as unavailable and says what to check', async () => {
    const store = open({ callTimeoutMs: 1_500 });
    try {
      await etcd.stopMember(1);
      await etcd.stopMember(2);
      await assert.rejects(store.put('q/x', 1), (err: unknown) => {
        assert.ok(err instanceof StoreUnavailable);
        assert.match(err.message, /cannot reach etcd at .*majority/);
        return true;
      });
    } finally {
      await store.close();
      await etcd.startMember(1);
      await etcd.startMember(2);
    }
  });
});

describe('PrefixFollower: a copy of a prefix kept by a watch', () => {
  test('the snapshot in pages, then every change in commit order; waitFor resolves once a write is in', async () => {
    const store = open();
    const copy = new Map<string, unknown>();
    const decode = (b: Buffer): unknown => JSON.parse(b.toString('utf8'));
    const follower = new PrefixFollower({
      client: store.client,
      prefix: store.prefix,
      log: pino({ level: 'silent' }),
      handlers: {
        reset: (entries) => {
          copy.clear();
          for (const [key, value] of entries) copy.set(key, decode(value));
        },
        changes: (changes) => {
          for (const c of changes) {
            if (c.value === undefined) copy.delete(c.key);
            else copy.set(c.key, decode(c.value));
          }
        },
      },
    });
    try {
      for (let i = 0; i < 1_200; i += 100)
        await store.batch(
          Array.from({ length: 100 }, (_, j) => ({ kind: 'put' as const, key: `a/${i + j}`, value: i + j })),
        );
      follower.start();
      assert.equal(await follower.waitFor(store.revision, 15_000), true, 'the snapshot reaches the last write');
      assert.equal(copy.size, 1_200, 'a snapshot of more than one page');
      // changes after the snapshot, a put and a delete in one transaction among them
      await store.batch([
        { kind: 'delete', key: 'a/0' },
        { kind: 'put', key: 'a/1', value: 'changed' },
      ]);
      await store.put('b/new', { n: 1 });
      await store.delete('a/2');
      assert.equal(await follower.waitFor(store.revision, 15_000), true, 'the watch reaches the last write');
      assert.equal(follower.ready, true);
      assert.deepEqual(
        [...copy].sort(([a], [b]) => (a < b ? -1 : 1)),
        await store.list(''),
        'the copy holds what the store holds',
      );
    } finally {
      await follower.stop();
      await store.close();
    }
    assert.equal(follower.ready, false);
    assert.equal(await follower.waitFor(follower.revision + 1n, 10), false, 'a stopped copy reaches nothing more');
  });
});

function storePrefix(store: EtcdStore<unknown>): string {
  return store.prefix;
}
