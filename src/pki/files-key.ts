import { createPrivateKey, hkdfSync } from 'node:crypto';
import { caPaths } from './ca.js';
import { readIfPresent } from './files.js';

// The key that seals secrets in the manager's store: derived (HKDF-SHA256) from the cluster CA's
// private key, so every manager that can act as the cluster's authority can open them (a group's
// members hold the CA from its sealed bundle), and a copy of the store alone (an LMDB file, an
// etcd snapshot) cannot.

const INFO = 'poseidon secrets v1';

/** The 32-byte key for the CA key in `dataDir` (ca.key, made by the first start). */
export async function filesKeyOf(dataDir: string): Promise<Buffer> {
  const path = caPaths(dataDir).key;
  const pem = await readIfPresent(path);
  if (pem === undefined) throw new Error(`the cluster CA key ${path} is missing; restore it from a backup`);
  return filesKeyOfPem(pem);
}

export function filesKeyOfPem(keyPem: string): Buffer {
  const der = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });
  return Buffer.from(hkdfSync('sha256', der, Buffer.alloc(0), INFO, 32));
}
