import { createPrivateKey, X509Certificate } from 'node:crypto';
import { addressesOfAltNames, nodeOfSubject, type CertRole } from './subject.js';

/** What a node certificate says, read with node:crypto (no X.509 library needed). */
export interface NodeCertificateInfo {
  nodeId: string;
  role: CertRole;
  notBeforeMs: number;
  notAfterMs: number;
  /** Its IP addresses and DNS names, lowercased. */
  addresses: string[];
  /** Hex, as node:crypto prints it. */
  serialNumber: string;
}

/** The node certificate in `certPem`; throws when it is not one of ours. */
export function readNodeCertificate(certPem: string): NodeCertificateInfo {
  const cert = new X509Certificate(certPem);
  const node = nodeOfSubject(subjectFields(cert.subject));
  if (node === undefined) throw new Error(`not a node certificate of a Poseidon cluster: subject ${cert.subject}`);
  return {
    ...node,
    notBeforeMs: Date.parse(cert.validFrom),
    notAfterMs: Date.parse(cert.validTo),
    addresses: addressesOfAltNames(cert.subjectAltName),
    serialNumber: cert.serialNumber,
  };
}

/** Whether `certPem` was signed by the CA in `caPem` (signature and issuer name both). */
export function isIssuedBy(certPem: string, caPem: string): boolean {
  const cert = new X509Certificate(certPem);
  const ca = new X509Certificate(caPem);
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

/** Whether the certificate's public key is the one of `keyPem` (a private key). */
export function matchesKey(certPem: string, keyPem: string): boolean {
  return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
}

/** node:crypto's subject string ("CN=…\nOU=…\nO=…") as fields. */
function subjectFields(subject: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of subject.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return fields;
}
