import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { readNodeCertificate, type NodeCertificateInfo } from './certificate.js';
import { PRIVATE_MODE, PUBLIC_MODE, readIfPresent, writeFileAtomic } from './files.js';
import { caHashOf } from './join-token.js';

/** A node's identity in the cluster: its key, its certificate and the CA that signed it (PEM). */
export interface NodeCredentials {
  keyPem: string;
  certPem: string;
  caPem: string;
  /** What the certificate says (node id, role, validity, addresses). */
  info: NodeCertificateInfo;
  /** SHA-256 of the CA certificate's DER, hex, as join tokens carry it. */
  caHash: string;
}

/** Where a node keeps them in its data dir: the key readable by its owner only. */
export function credentialPaths(dir: string): { key: string; cert: string; ca: string } {
  return { key: join(dir, 'node.key'), cert: join(dir, 'node.crt'), ca: join(dir, 'ca.crt') };
}

/** Credentials from PEM, with what their certificate says. */
export function credentialsOf(pems: { keyPem: string; certPem: string; caPem: string }): NodeCredentials {
  return {
    ...pems,
    info: readNodeCertificate(pems.certPem),
    caHash: caHashOf(new X509Certificate(pems.caPem).raw),
  };
}

/** The credentials kept in `dir`, or undefined when it holds none (a node that never joined). */
export async function loadNodeCredentials(dir: string): Promise<NodeCredentials | undefined> {
  const paths = credentialPaths(dir);
  const [keyPem, certPem, caPem] = await Promise.all([
    readIfPresent(paths.key),
    readIfPresent(paths.cert),
    readIfPresent(paths.ca),
  ]);
  if (keyPem === undefined || certPem === undefined || caPem === undefined) return undefined;
  return credentialsOf({ keyPem, certPem, caPem });
}

/** Writes them to `dir`: the key first (0600), so a certificate on disk always has its key. */
export async function saveNodeCredentials(dir: string, creds: NodeCredentials): Promise<void> {
  const paths = credentialPaths(dir);
  await writeFileAtomic(paths.key, creds.keyPem, PRIVATE_MODE);
  await writeFileAtomic(paths.ca, creds.caPem, PUBLIC_MODE);
  await writeFileAtomic(paths.cert, creds.certPem, PUBLIC_MODE);
}
