import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import pino from 'pino';
import { newKeyAndCsr, NodeAuthority } from '../../../src/pki/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { registration, startManager, W1 } from './manager-harness.js';

// A removal keeps a node revoked until every certificate issued to it has expired. The manager
// records, durably, the expiry of the last certificate its CA issued each node (a join, a
// renewal), so the bound holds when `--cert-ttl` was longer when that certificate was issued:
// after a restart with a shorter one, and on another manager of a group (the same store).

const DAY = 24 * 3_600_000;

/** A CA in a temp dir issuing certificates of `certTtlMs`, each recorded by `issued` first. */
async function authority(
  t: TestContext,
  clock: FakeClock,
  certTtlMs: number,
  issued: (nodeId: string, expiresAtMs: number) => Promise<void>,
): Promise<NodeAuthority> {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-revoked-expiry-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const a = await NodeAuthority.open({ dataDir: dir, clock, log: pino({ level: 'silent' }), certTtlMs });
  a.onIssued(issued);
  return a;
}

test('a node given a 30-day certificate, removed once the ttl is 7 days, stays revoked until it expires', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const first = await startManager(t, { clock, certTtlMs: 30 * DAY });
  const ca = await authority(t, clock, 30 * DAY, (id, at) => first.manager.certIssued(id, at));
  const { csrPem } = await newKeyAndCsr();
  const joined = await ca.join({ token: ca.joinToken, csr: csrPem, addresses: ['127.0.0.1'] });
  const expiresAtMs = Date.parse(joined.expiresAt);
  assert.equal(expiresAtMs, clock.now() + 30 * DAY);
  const node = { id: joined.nodeId, name: 'w2' };
  await first.manager.register(registration(node));
  await first.manager.stop();

  // a day later, the manager restarted with --cert-ttl 7d over the same store
  clock.advance(DAY);
  const h = await startManager(t, { store: first.store, clock, certTtlMs: 7 * DAY });
  await h.manager.register(registration(W1));
  await h.manager.removeNode(node.id);
  assert.equal(h.parts.state.revoked.get(node.id)?.certsExpireAt, joined.expiresAt);
  clock.advance(7 * DAY);
  await h.manager.pruneRevoked();
  assert.ok(h.manager.isRevoked(node.id), 'past the removal plus 7 days: its 30-day certificate holds, so kept');
  clock.advance(expiresAtMs - clock.now() - 1);
  await h.manager.pruneRevoked();
  assert.ok(h.manager.isRevoked(node.id), 'a millisecond before its certificate expires: kept');
  clock.advance(1);
  await h.manager.pruneRevoked();
  assert.equal(h.manager.isRevoked(node.id), false, 'its certificate has expired: dropped');
  assert.equal(await h.store.get(`issued/${node.id}`), undefined, 'the record of what was issued goes too');
});

test('the latest expiry issued is kept: a renewal under a shorter ttl does not shorten it', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const h = await startManager(t, { clock, certTtlMs: 7 * DAY });
  const record = (id: string, at: number): Promise<void> => h.manager.certIssued(id, at);
  const long = await authority(t, clock, 30 * DAY, record);
  const { csrPem } = await newKeyAndCsr();
  const joined = await long.join({ token: long.joinToken, csr: csrPem, addresses: ['127.0.0.1'] });
  clock.advance(DAY);
  const short = await authority(t, clock, 7 * DAY, record);
  await short.renew({ nodeId: joined.nodeId, role: 'worker' }, { csr: csrPem, addresses: ['127.0.0.1'] });
  await h.manager.register(registration({ id: joined.nodeId, name: 'w2' }));
  await h.manager.removeNode(joined.nodeId);
  assert.equal(h.parts.state.revoked.get(joined.nodeId)?.certsExpireAt, joined.expiresAt);
});

test('a node with no certificate recorded (an older manager issued it) is kept one lifetime', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const h = await startManager(t, { clock, certTtlMs: 7 * DAY });
  await h.manager.register(registration(W1));
  await h.manager.removeNode(W1.id);
  assert.equal(h.parts.state.revoked.get(W1.id)?.certsExpireAt, new Date(clock.now() + 7 * DAY).toISOString());
});

test('a join whose record cannot be written fails: no certificate goes out unrecorded', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const ca = await authority(t, clock, 7 * DAY, async () => {
    throw new Error('store unavailable');
  });
  const { csrPem } = await newKeyAndCsr();
  await assert.rejects(ca.join({ token: ca.joinToken, csr: csrPem, addresses: ['127.0.0.1'] }), /store unavailable/);
});
