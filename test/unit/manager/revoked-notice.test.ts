import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { revokedVersion } from '../../../src/pki/revoked-version.js';
import {
  beat,
  registration,
  startManager,
  W1,
  W2,
  type Harness,
  type ManagerOptions,
  type NodeSpec,
} from './manager-harness.js';

// A worker's tunnel refuses a removed node's certificate once it knows of the removal: the manager
// tells each node the revoked ids in a heartbeat (or register) reply, once per change of the set;
// the common beat's reply carries nothing more.

const W3: NodeSpec = { id: '33333333-3333-4333-8333-333333333333', name: 'w3' };

test("a node rm reaches each other node in its next beat's reply, once; a register reply says all", async (t) => {
  const h = await startManager(t);
  for (const n of [W1, W2, W3]) assert.equal((await h.manager.register(registration(n))).revoked, undefined, n.name);
  assert.equal((await h.manager.heartbeat(W1.id, beat(W1))).revoked, undefined, 'none removed: nothing said');
  await h.manager.removeNode(W2.id);
  assert.deepEqual((await h.manager.heartbeat(W1.id, beat(W1))).revoked, [W2.id]);
  assert.equal((await h.manager.heartbeat(W1.id, beat(W1))).revoked, undefined, 'told once');
  assert.deepEqual((await h.manager.heartbeat(W3.id, beat(W3))).revoked, [W2.id], 'each node is told');
  // a worker that restarts holds none: its register reply says them all
  assert.deepEqual((await h.manager.register(registration(W1))).revoked, [W2.id]);
  assert.equal((await h.manager.heartbeat(W1.id, beat(W1))).revoked, undefined);
  await h.manager.removeNode(W3.id);
  assert.deepEqual(new Set((await h.manager.heartbeat(W1.id, beat(W1))).revoked), new Set([W2.id, W3.id]));
});

/** A manager that had W1 and W2, removed W2, and stopped: its store holds the revocation. */
async function removedW2(t: TestContext, opts: ManagerOptions = {}): Promise<Harness> {
  const first = await startManager(t, opts);
  for (const n of [W1, W2]) await first.manager.register(registration(n));
  await first.manager.removeNode(W2.id);
  await first.manager.stop();
  return first;
}

test('a manager started over stored revocations tells each node on its first beat', async (t) => {
  const h = await startManager(t, { store: (await removedW2(t)).store });
  assert.deepEqual((await h.manager.heartbeat(W1.id, beat(W1))).revoked, [W2.id]);
  assert.equal((await h.manager.heartbeat(W1.id, beat(W1))).revoked, undefined);
});

// The version rule: a worker says which version of the set it holds, and the reply carries the set
// whenever that is not the manager's, so a reply it lost is sent again on its next beat.

/** A beat that says which version of the revoked set the worker holds. */
function holding(n: NodeSpec, ids: readonly string[]): ReturnType<typeof beat> & { revokedVersion: string } {
  return { ...beat(n), revokedVersion: revokedVersion(ids) };
}

test('a worker that says its version is sent the set while it differs, nothing once equal', async (t) => {
  const h = await startManager(t);
  for (const n of [W1, W2, W3]) await h.manager.register(registration(n));
  assert.equal((await h.manager.heartbeat(W1.id, holding(W1, []))).revoked, undefined, 'equal: nothing');
  await h.manager.removeNode(W2.id);
  assert.deepEqual((await h.manager.heartbeat(W1.id, holding(W1, []))).revoked, [W2.id]);
  // that reply was lost: the worker still holds none, and says so
  assert.deepEqual((await h.manager.heartbeat(W1.id, holding(W1, []))).revoked, [W2.id], 'sent again');
  assert.equal((await h.manager.heartbeat(W1.id, holding(W1, [W2.id]))).revoked, undefined, 'equal: nothing');
  // an older worker (no version) keeps the old rule: told once per change
  assert.deepEqual((await h.manager.heartbeat(W3.id, beat(W3))).revoked, [W2.id]);
  assert.equal((await h.manager.heartbeat(W3.id, beat(W3))).revoked, undefined, 'old rule: told once');
});

test('a manager that takes over needs no memory: the version the worker holds decides', async (t) => {
  const h = await startManager(t, { store: (await removedW2(t)).store });
  assert.equal((await h.manager.heartbeat(W1.id, holding(W1, [W2.id]))).revoked, undefined, 'it holds them');
  assert.deepEqual((await h.manager.heartbeat(W1.id, holding(W1, []))).revoked, [W2.id], 'it does not');
});

test('a static worker is sent the set only when the version its stats said differs', async (t) => {
  const h = await startManager(t);
  for (const n of [W1, W2]) await h.manager.register(registration(n));
  assert.equal(h.manager.revokedFor(revokedVersion([])), undefined);
  await h.manager.removeNode(W2.id);
  assert.deepEqual(h.manager.revokedFor(revokedVersion([])), [W2.id]);
  assert.equal(h.manager.revokedFor(revokedVersion([W2.id])), undefined);
});

// Pruning: a revocation is kept until every certificate issued to its node has expired (one
// certificate lifetime after its removal), then dropped from the store and from the workers' list.

const TTL_MS = 10 * 60_000;

test("a revocation is dropped once its node's certificates have all expired, not before", async (t) => {
  const h = await startManager(t, { certTtlMs: TTL_MS });
  for (const n of [W1, W2, W3]) await h.manager.register(registration(n));
  await h.manager.removeNode(W2.id);
  const stored = h.parts.state.revoked.get(W2.id);
  assert.equal(stored?.certsExpireAt, new Date(h.clock.now() + TTL_MS).toISOString());
  h.clock.advance(TTL_MS / 2);
  await h.manager.removeNode(W3.id);
  h.clock.advance(TTL_MS / 2 - 1);
  await h.manager.pruneRevoked();
  assert.ok(h.manager.isRevoked(W2.id), 'a millisecond before: kept');
  h.clock.advance(1);
  await h.manager.pruneRevoked();
  assert.equal(h.manager.isRevoked(W2.id), false, 'its certificates have expired: dropped');
  assert.ok(h.manager.isRevoked(W3.id), 'removed later: kept');
  // the workers hear the shorter list
  assert.deepEqual((await h.manager.heartbeat(W1.id, holding(W1, [W2.id, W3.id]))).revoked, [W3.id]);
  // gone from the store too: a manager started over it does not bring it back
  await h.manager.stop();
  const again = await startManager(t, { store: h.store, clock: h.clock, certTtlMs: TTL_MS });
  assert.equal(again.manager.isRevoked(W2.id), false);
  assert.ok(again.manager.isRevoked(W3.id));
});

test('a revocation stored without an expiry (an older manager wrote it) is kept', async (t) => {
  const first = await removedW2(t, { certTtlMs: TTL_MS });
  const key = `revoked/${W2.id}`;
  const rec = await first.store.get(key);
  assert.ok(rec?.kind === 'revoked');
  const { certsExpireAt: _gone, ...old } = rec.revoked;
  await first.store.put(key, { kind: 'revoked', revoked: old });
  first.clock.advance(2 * TTL_MS);
  const h = await startManager(t, { store: first.store, clock: first.clock, certTtlMs: TTL_MS });
  await h.manager.pruneRevoked();
  assert.ok(h.manager.isRevoked(W2.id));
});
