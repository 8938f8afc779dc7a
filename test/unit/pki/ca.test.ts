import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  caHashOf,
  caPaths,
  ClusterCa,
  isIssuedBy,
  matchesKey,
  newKeyAndCsr,
  publicKeyOfCsr,
  readNodeCertificate,
} from '../../../src/pki/index.js';
import { PoseidonError } from '../../../src/errors/index.js';

const NOW = Date.UTC(2026, 0, 1);
const NODE = '0b7c6f1e-3f2a-4d5b-9c8e-7a6b5c4d3e2f';
const DAY = 24 * 3_600_000;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'poseidon-ca-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the first open makes a P-256 CA: key 0600, certificate public, ten years, a CA that signs', async () => {
  const { ca, created } = await ClusterCa.open(dir, NOW);
  assert.equal(created, true);
  const paths = caPaths(dir);
  assert.equal((await stat(paths.key)).mode & 0o777, 0o600);
  assert.equal((await stat(paths.cert)).mode & 0o777, 0o644);
  const cert = new X509Certificate(await readFile(paths.cert, 'utf8'));
  assert.equal(cert.ca, true);
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.ok(Date.parse(cert.validTo) - NOW > 9 * 365 * DAY);
  assert.equal(ca.hash, caHashOf(cert.raw));
  assert.match(ca.hash, /^[0-9a-f]{64}$/);
});

test('a later open reads the same CA instead of making one', async () => {
  const first = await ClusterCa.open(dir, NOW);
  const second = await ClusterCa.open(dir, NOW + DAY);
  assert.equal(second.created, false);
  assert.equal(second.ca.hash, first.ca.hash);
});

test('a CA whose key went missing is an error, never silently replaced (nodes trust the old one)', async () => {
  const other = await mkdtemp(join(tmpdir(), 'poseidon-ca-test-'));
  try {
    await ClusterCa.open(other, NOW);
    await unlink(caPaths(other).key);
    await assert.rejects(ClusterCa.open(other, NOW), /the cluster CA is incomplete: .*ca\.key is missing/);
  } finally {
    await rm(other, { recursive: true, force: true });
  }
});

test('a node certificate names the node, its role and addresses, for server and client use, signed by the CA', async () => {
  const { ca } = await ClusterCa.open(dir, NOW);
  const { keyPem, csrPem } = await newKeyAndCsr();
  const certPem = await ca.issue({
    publicKey: await publicKeyOfCsr(csrPem),
    nodeId: NODE,
    role: 'worker',
    addresses: ['127.0.0.1', 'Worker-1.example'],
    notBeforeMs: NOW,
    notAfterMs: NOW + 7 * DAY,
  });
  const info = readNodeCertificate(certPem);
  assert.equal(info.nodeId, NODE);
  assert.equal(info.role, 'worker');
  assert.deepEqual(info.addresses, ['127.0.0.1', 'worker-1.example']);
  assert.equal(info.notAfterMs - info.notBeforeMs, 7 * DAY);
  assert.equal(isIssuedBy(certPem, ca.certPem), true);
  assert.equal(matchesKey(certPem, keyPem), true);
  const cert = new X509Certificate(certPem);
  assert.equal(cert.ca, false);
  assert.deepEqual(cert.keyUsage?.sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
});

test("another CA's certificate is not issued by this one, and another key does not match", async () => {
  const { ca } = await ClusterCa.open(dir, NOW);
  const other = await ClusterCa.create(NOW);
  const { csrPem } = await newKeyAndCsr();
  const { keyPem: otherKey } = await newKeyAndCsr();
  const certPem = await other.ca.issue({
    publicKey: await publicKeyOfCsr(csrPem),
    nodeId: NODE,
    role: 'worker',
    addresses: ['127.0.0.1'],
    notBeforeMs: NOW,
    notAfterMs: NOW + DAY,
  });
  assert.equal(isIssuedBy(certPem, other.ca.certPem), true);
  assert.equal(isIssuedBy(certPem, ca.certPem), false);
  assert.equal(matchesKey(certPem, otherKey), false);
  assert.notEqual(other.ca.hash, ca.hash);
});

test('a CSR that is not one, or whose signature does not match its key, is refused naming the field', async () => {
  await assert.rejects(publicKeyOfCsr('hello'), (err: unknown) => {
    assert.ok(err instanceof PoseidonError);
    assert.equal(err.code, 'invalid_request');
    assert.match(err.message, /^csr is not a PEM certificate signing request$/);
    return true;
  });
  const { csrPem } = await newKeyAndCsr();
  // flip one bit of the signature at the end of the DER
  const der = Buffer.from(csrPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  der[der.length - 2] = (der[der.length - 2] ?? 0) ^ 0x01;
  const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  await assert.rejects(publicKeyOfCsr(tampered), /csr is not signed by the key it carries/);
});
