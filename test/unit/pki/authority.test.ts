import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import pino from 'pino';
import { PoseidonError } from '../../../src/errors/index.js';
import {
  authorityPaths,
  isIssuedBy,
  JoinTokenRefused,
  newKeyAndCsr,
  NodeAuthority,
  parseJoinToken,
  readNodeCertificate,
} from '../../../src/pki/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const DAY = 24 * 3_600_000;
const log = pino({ level: 'silent' });
let dir: string;
let clock: FakeClock;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'poseidon-authority-test-'));
  clock = new FakeClock(Date.UTC(2026, 0, 1));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function open(certTtlMs = 7 * DAY): Promise<NodeAuthority> {
  return NodeAuthority.open({ dataDir: dir, clock, log, certTtlMs });
}

test('the first start writes a join token (0600) that pins this CA; later starts keep it', async () => {
  const authority = await open();
  const path = authorityPaths(dir).joinToken;
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const written = (await readFile(path, 'utf8')).trim();
  assert.equal(written, authority.joinToken);
  assert.equal(parseJoinToken(written).caHash, authority.ca.hash);
  assert.equal((await open()).joinToken, written);
});

test('a node with the token gets a certificate for its key: a new node id, role worker, its addresses, the ttl', async () => {
  const authority = await open(3 * DAY);
  const { csrPem } = await newKeyAndCsr();
  const view = await authority.join({ token: authority.joinToken, csr: csrPem, addresses: ['127.0.0.1'] });
  const info = readNodeCertificate(view.certificate);
  assert.equal(info.nodeId, view.nodeId);
  assert.equal(info.role, 'worker');
  assert.deepEqual(info.addresses, ['127.0.0.1']);
  assert.equal(info.notAfterMs, clock.now() + 3 * DAY);
  assert.equal(view.expiresAt, new Date(clock.now() + 3 * DAY).toISOString());
  assert.equal(isIssuedBy(view.certificate, authority.ca.certPem), true);
  assert.equal(view.ca, authority.ca.certPem);
  const again = await authority.join({ token: authority.joinToken, csr: csrPem, addresses: ['127.0.0.1'] });
  assert.notEqual(again.nodeId, view.nodeId, 'each join is a new node');
});

test('a wrong secret, or a token of another CA, joins no one (401) and the error never repeats it', async () => {
  const authority = await open();
  const { csrPem } = await newKeyAndCsr();
  const { caHash, secret } = parseJoinToken(authority.joinToken);
  const wrongSecret = `PSDN-1-${caHash}-${'0'.repeat(32)}`;
  const otherCa = `PSDN-1-${'f'.repeat(64)}-${secret}`;
  for (const token of [wrongSecret, otherCa, 'not a token']) {
    await assert.rejects(authority.join({ token, csr: csrPem, addresses: ['127.0.0.1'] }), (err: unknown) => {
      assert.ok(err instanceof JoinTokenRefused);
      assert.equal(err.status, 401);
      assert.ok(!err.message.includes(secret));
      return true;
    });
  }
});

test('rotating the join token refuses the old one for new joins, and rewrites the file', async () => {
  const authority = await open();
  const old = authority.joinToken;
  const rotated = await authority.rotateJoinToken();
  assert.notEqual(rotated, old);
  assert.equal(parseJoinToken(rotated).caHash, authority.ca.hash);
  assert.equal((await readFile(authorityPaths(dir).joinToken, 'utf8')).trim(), rotated);
  const { csrPem } = await newKeyAndCsr();
  await assert.rejects(authority.join({ token: old, csr: csrPem, addresses: ['127.0.0.1'] }), JoinTokenRefused);
  await authority.join({ token: rotated, csr: csrPem, addresses: ['127.0.0.1'] });
  assert.equal((await open()).joinToken, rotated, 'a restart keeps the rotated token');
});

test('a renewal certifies the same node and role for a new key, from now on', async () => {
  const authority = await open(DAY);
  const first = await authority.join({
    token: authority.joinToken,
    csr: (await newKeyAndCsr()).csrPem,
    addresses: ['127.0.0.1'],
  });
  clock.advance(DAY / 2);
  const renewed = await authority.renew(
    { nodeId: first.nodeId, role: 'worker' },
    { csr: (await newKeyAndCsr()).csrPem, addresses: ['127.0.0.1', 'localhost'] },
  );
  const info = readNodeCertificate(renewed.certificate);
  assert.equal(info.nodeId, first.nodeId);
  assert.equal(info.notAfterMs, clock.now() + DAY);
  assert.deepEqual(info.addresses, ['127.0.0.1', 'localhost']);
});

test("the manager's own certificate is kept while valid and reissued (same node id) when due or an address is new", async () => {
  const authority = await open(10 * DAY);
  const first = await authority.managerCredentials(['127.0.0.1'], () => 0);
  assert.equal(first.info.role, 'manager');
  assert.equal((await stat(authorityPaths(dir).key)).mode & 0o777, 0o600);
  const kept = await authority.managerCredentials(['127.0.0.1'], () => 0);
  assert.equal(kept.certPem, first.certPem);
  const wider = await authority.managerCredentials(['127.0.0.1', 'manager.example'], () => 0);
  assert.notEqual(wider.certPem, first.certPem);
  assert.equal(wider.info.nodeId, first.info.nodeId);
  clock.advance(5 * DAY); // the renewal point with random() = 0
  const due = await authority.managerCredentials(['127.0.0.1', 'manager.example'], () => 0);
  assert.notEqual(due.certPem, wider.certPem);
  assert.equal(due.info.nodeId, first.info.nodeId);
});

test('a CSR that is not one is refused as invalid input, before any certificate is made', async () => {
  const authority = await open();
  await assert.rejects(
    authority.join({ token: authority.joinToken, csr: 'nope', addresses: ['127.0.0.1'] }),
    (err: unknown) => err instanceof PoseidonError && err.code === 'invalid_request',
  );
});
