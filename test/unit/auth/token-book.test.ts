import assert from 'node:assert/strict';
import { timingSafeEqual } from 'node:crypto';
import { test } from 'node:test';
import { pino } from 'pino';
import { LAST_USED_FLUSH_MS, parseToken, TokenBook, type TokenRecord } from '../../../src/auth/index.js';
import type { TokenScope } from '../../../src/api/index.js';
import { isNotFound, PoseidonError } from '../../../src/errors/index.js';
import type { Identity } from '../../../src/http/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { ControlledStore } from '../manager/controlled-store.js';

const log = pino({ level: 'silent' });
const DAY_MS = 86_400_000;

function book(opts: { store?: ControlledStore<TokenRecord>; clock?: FakeClock } = {}): {
  tokens: TokenBook;
  store: ControlledStore<TokenRecord>;
  clock: FakeClock;
  compared: Array<[number, number]>;
} {
  const store = opts.store ?? new ControlledStore<TokenRecord>();
  const clock = opts.clock ?? new FakeClock();
  const compared: Array<[number, number]> = [];
  const equal = (a: Buffer, b: Buffer): boolean => {
    compared.push([a.length, b.length]);
    return timingSafeEqual(a, b);
  };
  return { tokens: new TokenBook({ store, clock, log, equal }), store, clock, compared };
}

const bearer = (token: string): string => `Bearer ${token}`;

async function created(tokens: TokenBook, scope: TokenScope, ttlMs?: number): Promise<string> {
  return (await tokens.create({ scope, ...(ttlMs === undefined ? {} : { ttlMs }) })).token;
}

function reason(identity: Identity): string | undefined {
  return identity.kind === 'anonymous' ? identity.rejected?.reason : undefined;
}

test('a created token identifies its holder with its scope; the store holds its hash, never the token', async () => {
  const { tokens, store } = book();
  for (const scope of ['read', 'deploy', 'admin'] as const) {
    const view = await tokens.create({ scope, name: `${scope}-bot` });
    assert.match(view.token, /^psdn_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(tokens.identify(bearer(view.token)), { kind: 'token', tokenId: view.id, scope });
    const [, record] = (await store.list(`token/${view.id}`))[0] ?? [];
    assert.ok(record !== undefined);
    const secret = parseToken(view.token)?.secret ?? '';
    assert.ok(!JSON.stringify(record).includes(secret), 'the record holds no secret');
    assert.equal(record.secretSha256.length, 64);
  }
  const listed = JSON.stringify(tokens.list());
  assert.ok(!listed.includes('secretSha256') && !listed.includes('psdn_'), listed);
});

test('create resolves only once the record is durable, and a failed write leaves no token', async () => {
  const { tokens, store } = book();
  store.hold();
  let done = false;
  const pending = tokens.create({ scope: 'deploy' }).then((v) => {
    done = true;
    return v;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false, 'answered before the write');
  assert.equal(tokens.list().length, 0, 'usable before the write');
  store.release();
  const view = await pending;
  assert.equal(tokens.identify(bearer(view.token)).kind, 'token');
  assert.equal((await store.list('token/')).length, 1);

  store.failNext(new Error('disk full'));
  await assert.rejects(tokens.create({ scope: 'read' }), /disk full/);
  assert.equal(tokens.list().length, 1);
  assert.equal((await store.list('token/')).length, 1);
});

test('a token of the book survives a restart: a new book over the same store knows it', async () => {
  const { tokens, store, clock } = book();
  const token = await created(tokens, 'read');
  const again = book({ store, clock }).tokens;
  assert.equal(await again.load(), 1);
  assert.equal(again.identify(bearer(token)).kind, 'token');
});

test('anything but a valid token of this book is anonymous, with a reason only when something was sent', async () => {
  const { tokens } = book();
  const token = await created(tokens, 'admin');
  const parts = parseToken(token);
  assert.ok(parts !== null);
  const wrongSecret = `psdn_${parts.id}_${'A'.repeat(43)}`;
  const unknownId = `psdn_000000000000_${parts.secret}`;
  assert.deepEqual(tokens.identify(undefined), { kind: 'anonymous' });
  assert.equal(reason(tokens.identify(`Basic ${token}`)), 'the Authorization header is not "Bearer <token>"');
  assert.equal(reason(tokens.identify(bearer('psdn_short'))), 'the bearer token is not a Poseidon API token');
  // a wrong secret and an unknown id read the same: the answer says nothing about which ids exist
  assert.equal(reason(tokens.identify(bearer(wrongSecret))), 'the token is not one this manager issued');
  assert.equal(reason(tokens.identify(bearer(unknownId))), 'the token is not one this manager issued');
  assert.equal(tokens.identify(bearer(token)).kind, 'token');
  assert.equal(tokens.identify(`bearer  ${token}`).kind, 'token', 'the scheme is case-insensitive');
});

test('every well-formed token is checked by one constant-time comparison of 32-byte digests, known id or not', async () => {
  const { tokens, compared } = book();
  const token = await created(tokens, 'read');
  const parts = parseToken(token);
  assert.ok(parts !== null);
  tokens.identify(bearer(token));
  tokens.identify(bearer(`psdn_${parts.id}_${'B'.repeat(43)}`));
  tokens.identify(bearer(`psdn_ffffffffffff_${parts.secret}`));
  assert.deepEqual(compared, [
    [32, 32],
    [32, 32],
    [32, 32],
  ]);
});

test('on one connection a header that matched is not hashed again; revocation, expiry and other headers still count', async () => {
  const { tokens, compared, clock } = book();
  await created(tokens, 'admin');
  const view = await tokens.create({ scope: 'deploy', ttlMs: DAY_MS });
  const other = await created(tokens, 'read');
  const connection = {};
  const identity = { kind: 'token', tokenId: view.id, scope: 'deploy' };
  for (let i = 0; i < 3; i++) assert.deepEqual(tokens.identify(bearer(view.token), connection), identity);
  assert.equal(compared.length, 1, 'hashed and compared on the first request only');
  assert.equal(tokens.identify(bearer(view.token), {}).kind, 'token');
  assert.equal(compared.length, 2, 'another connection is checked in full');

  const parts = parseToken(view.token);
  const wrong = bearer(`psdn_${parts?.id}_${'D'.repeat(43)}`);
  assert.equal(reason(tokens.identify(wrong, connection)), 'the token is not one this manager issued');
  assert.equal(tokens.identify(bearer(other), connection).kind, 'token', 'a new header on the connection is checked');
  assert.equal(compared.length, 4);
  assert.equal(tokens.identify(bearer(view.token), connection).kind, 'token');
  assert.equal(compared.length, 5, 'only the last header that matched is remembered');

  clock.advance(DAY_MS);
  assert.equal(
    reason(tokens.identify(bearer(view.token), connection)),
    `token ${view.id} expired at ${view.expiresAt}`,
  );
  const lasting = await tokens.create({ scope: 'read' });
  assert.equal(tokens.identify(bearer(lasting.token), connection).kind, 'token');
  await tokens.revoke(lasting.id);
  assert.equal(reason(tokens.identify(bearer(lasting.token), connection)), `token ${lasting.id} was revoked`);
});

test('a token expires at the end of its ttl, and only its holder hears that it expired', async () => {
  const { tokens, clock } = book();
  const view = await tokens.create({ scope: 'deploy', ttlMs: 30 * DAY_MS });
  assert.equal(view.expiresAt, new Date(clock.now() + 30 * DAY_MS).toISOString());
  clock.advance(30 * DAY_MS - 1);
  assert.equal(tokens.identify(bearer(view.token)).kind, 'token');
  clock.advance(1);
  const expired = tokens.identify(bearer(view.token));
  assert.deepEqual(expired, {
    kind: 'anonymous',
    rejected: { reason: `token ${view.id} expired at ${view.expiresAt}`, tokenId: view.id },
  });
  assert.equal(tokens.view(view.id).state, 'expired');
  const parts = parseToken(view.token);
  assert.equal(
    reason(tokens.identify(bearer(`psdn_${parts?.id}_${'C'.repeat(43)}`))),
    'the token is not one this manager issued',
  );
});

test('a revoked token is refused once the revocation is durable, and stays revoked after a restart', async () => {
  const { tokens, store, clock } = book();
  await created(tokens, 'admin');
  const view = await tokens.create({ scope: 'read', name: 'ci' });
  store.hold();
  const revoking = tokens.revoke(view.id);
  await new Promise((r) => setImmediate(r));
  assert.equal(tokens.identify(bearer(view.token)).kind, 'token', 'memory changes only after the write');
  store.release();
  const revoked = await revoking;
  assert.equal(revoked.state, 'revoked');
  assert.equal(revoked.alreadyRevoked, false);
  assert.equal(reason(tokens.identify(bearer(view.token))), `token ${view.id} was revoked`);
  clock.advance(60_000);
  const twice = await tokens.revoke(view.id);
  assert.deepEqual(
    [twice.state, twice.alreadyRevoked, twice.revokedAt],
    ['revoked', true, revoked.revokedAt],
    "revoking twice is a no-op, said so, with the first revocation's time",
  );

  const again = book({ store, clock }).tokens;
  await again.load();
  assert.equal(reason(again.identify(bearer(view.token))), `token ${view.id} was revoked`);
});

test('revoking an unknown token is token_not_found; the last active admin token cannot be revoked', async () => {
  const { tokens } = book();
  const err = await tokens.revoke('0123456789ab').catch((e: unknown) => e);
  assert.ok(err instanceof PoseidonError && err.code === 'token_not_found' && err.status === 404);
  assert.equal(isNotFound(err, 'task'), false);
  const first = await tokens.create({ scope: 'admin' });
  await assert.rejects(tokens.revoke(first.id), (e: unknown) => e instanceof PoseidonError && e.status === 409);
  const second = await tokens.create({ scope: 'admin' });
  assert.equal((await tokens.revoke(first.id)).state, 'revoked');
  await assert.rejects(tokens.revoke(second.id), /last active admin token/);
});

test('the last use is kept in memory, written once a minute and on stop, and never costs a write per request', async () => {
  const { tokens, store, clock } = book();
  const view = await tokens.create({ scope: 'read' });
  tokens.start();
  const writes = store.batches;
  for (let i = 0; i < 100; i++) tokens.identify(bearer(view.token));
  assert.equal(store.batches, writes, 'no write per request');
  const usedAt = new Date(clock.now()).toISOString();
  assert.equal(tokens.view(view.id).lastUsedAt, usedAt);

  clock.advance(LAST_USED_FLUSH_MS);
  await tokens.flush(); // waits behind the timer's own flush
  assert.equal(store.batches, writes + 1);
  assert.equal((await store.get(`token/${view.id}`))?.lastUsedAt, usedAt);

  clock.advance(5_000);
  tokens.identify(bearer(view.token));
  await tokens.stop();
  assert.equal((await store.get(`token/${view.id}`))?.lastUsedAt, new Date(clock.now()).toISOString());
  assert.equal(clock.pendingTimers, 0);
});

test("a book never started (a group follower's copy) writes nothing on stop: only the leader writes tokens", async () => {
  const { tokens, store } = book();
  const view = await tokens.create({ scope: 'read' });
  const writes = store.batches;
  tokens.identify(bearer(view.token));
  await tokens.stop();
  assert.equal(store.batches, writes, 'no write of its last uses');
});

test('a failed write of last uses is tried again, and never undoes a revocation', async () => {
  const { tokens, store } = book();
  await created(tokens, 'admin');
  const view = await tokens.create({ scope: 'read' });
  tokens.identify(bearer(view.token));
  store.failNext(new Error('disk full'));
  await assert.rejects(tokens.flush(), /disk full/);
  await tokens.revoke(view.id);
  await tokens.flush();
  const stored = await store.get(`token/${view.id}`);
  assert.ok(stored?.revokedAt !== null && stored?.lastUsedAt !== null, JSON.stringify(stored));
});

test('a stored record that is not a token is set aside with its key logged, and the others load', async () => {
  const { tokens, store, clock } = book();
  const good = await tokens.create({ scope: 'read' });
  await store.put('token/0123456789ab', { id: '0123456789ab', scope: 'root' } as unknown as TokenRecord);
  await store.put('token/ffffffffffff', null as unknown as TokenRecord);
  const lines: string[] = [];
  const logged = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  const again = new TokenBook({ store, clock, log: logged });
  assert.equal(await again.load(), 1);
  assert.equal(again.identify(bearer(good.token)).kind, 'token');
  assert.deepEqual(
    (await store.list('token/')).map(([k]) => k),
    [`token/${good.id}`],
  );
  for (const key of ['token/0123456789ab', 'token/ffffffffffff']) {
    assert.ok(
      lines.some((l) => l.includes('set aside') && l.includes(`"key":"${key}"`)),
      lines.join(''),
    );
  }
});

test('a follower’s copy of the book: tokens copied in as stored, revoked and deleted as the watch says; nothing written', async () => {
  const leader = book();
  const token = await created(leader.tokens, 'read');
  const id = parseToken(token)?.id ?? '';
  const stored = await leader.store.get(`token/${id}`);
  assert.ok(stored !== undefined);
  const follower = book();
  follower.tokens.copy(`token/${id}`, stored);
  assert.equal(follower.tokens.identify(bearer(token)).kind, 'token');
  follower.tokens.copy(`token/${id}`, { ...stored, revokedAt: new Date(follower.clock.now()).toISOString() });
  assert.match(reason(follower.tokens.identify(bearer(token))) ?? '', /was revoked/);
  follower.tokens.copy(`token/${id}`, undefined);
  assert.match(reason(follower.tokens.identify(bearer(token))) ?? '', /not one this manager issued/);
  // what is not a token record is left out; clear forgets every token
  follower.tokens.copy(`token/${id}`, { ...stored, scope: 'root' });
  assert.equal(follower.tokens.size, 0);
  follower.tokens.copy(`token/${id}`, stored);
  follower.tokens.clear();
  assert.equal(follower.tokens.size, 0);
  assert.deepEqual(await follower.store.list(''), [], 'a copy writes nothing');
});
