import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { storeFlag } from '../../../src/cli/store-flag.js';

// `poseidon manager --store`: lmdb by default, etcd://host:port,... with a key prefix, TLS files
// only together and only for etcd; each mistake names its flag.

test('lmdb is the default, and etcd:// lists members with the default prefix', () => {
  assert.deepEqual(storeFlag({}), { kind: 'lmdb' });
  assert.deepEqual(storeFlag({ store: 'etcd://127.0.0.1:2379,127.0.0.1:22379' }), {
    kind: 'etcd',
    endpoints: ['http://127.0.0.1:2379', 'http://127.0.0.1:22379'],
    prefix: '/poseidon/',
  });
  assert.equal(
    (storeFlag({ store: 'etcd://db:2379/prod/cluster-a' }) as { prefix: string }).prefix,
    '/prod/cluster-a/',
  );
});

test('with --store-ca the members are reached over TLS, and the files are read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'poseidon-store-flag-'));
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, f), `-----${f}-----`);
  const choice = storeFlag({
    store: 'etcd://127.0.0.1:2379',
    storeCa: join(dir, 'ca.pem'),
    storeCert: join(dir, 'cert.pem'),
    storeKey: join(dir, 'key.pem'),
  });
  assert.equal(choice.kind, 'etcd');
  if (choice.kind !== 'etcd') return;
  assert.deepEqual(choice.endpoints, ['https://127.0.0.1:2379']);
  assert.equal(choice.tls?.ca.toString(), '-----ca.pem-----');
  assert.equal(choice.tls?.key?.toString(), '-----key.pem-----');
});

test('each mistake names its flag', () => {
  assert.throws(() => storeFlag({ store: 'redis://x:1' }), /--store is "redis:\/\/x:1"; use lmdb, or etcd:/);
  assert.throws(
    () => storeFlag({ store: 'etcd://127.0.0.1' }),
    /--store has "127.0.0.1"; each etcd member is host:port/,
  );
  assert.throws(() => storeFlag({ store: 'etcd://h:70000' }), /--store has "h:70000"/);
  assert.throws(() => storeFlag({ storeCa: 'ca.pem' }), /--store-ca applies to --store etcd/);
  assert.throws(
    () => storeFlag({ store: 'etcd://h:1', storeCa: 'x', storeCert: 'c' }),
    /--store-key goes with the other/,
  );
  assert.throws(() => storeFlag({ store: 'etcd://h:1', storeCert: 'c', storeKey: 'k' }), /--store-ca is needed/);
  assert.throws(
    () => storeFlag({ store: 'etcd://h:1', storeCa: '/nonexistent/ca.pem' }),
    /--store-ca names \S+, which cannot be read: no such file or directory; check the path$/,
  );
});
