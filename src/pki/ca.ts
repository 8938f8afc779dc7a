import { randomBytes, X509Certificate, type webcrypto } from 'node:crypto';
import { join } from 'node:path';
import type { Pkcs10CertificateRequest, PublicKey } from '@peculiar/x509';
import { InvalidField } from '../errors/index.js';
import { PRIVATE_MODE, PUBLIC_MODE, readIfPresent, writeFileAtomic } from './files.js';
import { caHashOf } from './join-token.js';
import { addressName, CLUSTER_ORGANIZATION, nodeSubject, type CertRole } from './subject.js';
import { ALGORITHM, derOf, generateKeys, importPrivateKey, loadX509, privateKeyPem } from './x509.js';

/** The CA certificate lasts this long; node certificates are renewed far more often. */
export const CA_LIFETIME_MS = 10 * 365 * 24 * 3_600_000;
/** Certificates start this far in the past, so a node whose clock runs a little behind accepts them. */
export const BACKDATE_MS = 5 * 60_000;
/** A CSR larger than this is not one of ours (ours are about 400 bytes). */
export const MAX_CSR_BYTES = 8 * 1024;

/** Where a manager keeps its CA: the certificate is public, the key readable by its owner only. */
export function caPaths(dataDir: string): { cert: string; key: string } {
  return { cert: join(dataDir, 'ca.crt'), key: join(dataDir, 'ca.key') };
}

export interface IssueRequest {
  /** The subject's public key: from a verified CSR (a joining node) or a key pair made here (the manager). */
  publicKey: PublicKeyLike;
  nodeId: string;
  role: CertRole;
  /** IP addresses and DNS names the node may be reached at (its certificate's subject alternative names). */
  addresses: readonly string[];
  notBeforeMs: number;
  notAfterMs: number;
}

/** A WebCrypto public key, or the library's wrapper of one (from a CSR). */
export type PublicKeyLike = PublicKey | CryptoKey;

/**
 * The cluster's certificate authority: ECDSA P-256, self-signed, valid ten years. It signs every
 * node certificate (workers when they join or renew, the manager's own).
 */
type CryptoKey = webcrypto.CryptoKey;

export class ClusterCa {
  /** SHA-256 of the certificate's DER, hex: what join tokens pin. */
  readonly hash: string;
  readonly certificate: X509Certificate;

  private constructor(
    readonly certPem: string,
    private readonly signingKey: CryptoKey,
  ) {
    this.certificate = new X509Certificate(certPem);
    this.hash = caHashOf(this.certificate.raw);
  }

  /**
   * The CA in `dataDir` (`ca.crt`, `ca.key`), made and written on the first call. A key without
   * its certificate (or the reverse) is an error, never replaced: nodes trust the old one.
   */
  static async open(dataDir: string, nowMs: number): Promise<{ ca: ClusterCa; created: boolean }> {
    const paths = caPaths(dataDir);
    const [certPem, keyPem] = await Promise.all([readIfPresent(paths.cert), readIfPresent(paths.key)]);
    if (certPem !== undefined && keyPem !== undefined) {
      return { ca: new ClusterCa(certPem, await importPrivateKey(keyPem)), created: false };
    }
    if (certPem !== undefined || keyPem !== undefined) {
      const missing = certPem === undefined ? paths.cert : paths.key;
      throw new Error(`the cluster CA is incomplete: ${missing} is missing; restore it from a backup`);
    }
    const made = await ClusterCa.create(nowMs);
    // the key first: a certificate on disk always has its key beside it
    await writeFileAtomic(paths.key, made.keyPem, PRIVATE_MODE);
    await writeFileAtomic(paths.cert, made.ca.certPem, PUBLIC_MODE);
    return { ca: made.ca, created: true };
  }

  /** A new CA in memory, with its private key as PEM for the caller to keep. */
  static async create(nowMs: number): Promise<{ ca: ClusterCa; keyPem: string }> {
    const x509 = await loadX509();
    const keys = await generateKeys();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumber(),
      name: `CN=Poseidon cluster CA ${randomBytes(4).toString('hex')}, O=${CLUSTER_ORGANIZATION}`,
      notBefore: new Date(nowMs - BACKDATE_MS),
      notAfter: new Date(nowMs + CA_LIFETIME_MS),
      keys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const keyPem = await privateKeyPem(keys.privateKey);
    return { ca: new ClusterCa(cert.toString('pem'), keys.privateKey), keyPem };
  }

  /** A CA from its certificate and key (PEM). */
  static async fromPem(certPem: string, keyPem: string): Promise<ClusterCa> {
    return new ClusterCa(certPem, await importPrivateKey(keyPem));
  }

  /** A node certificate (PEM) for `req`: usable as both a TLS server and a TLS client certificate. */
  async issue(req: IssueRequest): Promise<string> {
    const x509 = await loadX509();
    const caCert = new x509.X509Certificate(this.certPem);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: nodeSubject(req.nodeId, req.role),
      issuer: caCert.subject,
      notBefore: new Date(req.notBeforeMs),
      notAfter: new Date(req.notAfterMs),
      publicKey: req.publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension(req.addresses.map(addressName)),
        await x509.AuthorityKeyIdentifierExtension.create(caCert),
      ],
    });
    return cert.toString('pem');
  }
}

/**
 * The public key of a certificate signing request, once its signature proves the requester holds
 * the private key; a request that is not a P-256 one is refused, naming `field`.
 */
export async function publicKeyOfCsr(csrPem: string, field = 'csr'): Promise<PublicKeyLike> {
  const x509 = await loadX509();
  let csr: Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(derOf(csrPem, 'CERTIFICATE REQUEST'));
  } catch {
    throw new InvalidField(field, 'is not a PEM certificate signing request');
  }
  const algorithm = csr.publicKey.algorithm as { name?: string; namedCurve?: string };
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256')
    throw new InvalidField(field, 'must be for an ECDSA P-256 key');
  if (!(await csr.verify())) throw new InvalidField(field, 'is not signed by the key it carries');
  return csr.publicKey;
}

/** 16 random bytes, hex, the first below 0x80 so the number is positive as X.509 wants. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}
