import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { PoseidonError } from '../../errors/index.js';

// What managers of a group share beyond the store's records: the cluster CA (certificate and
// key) and the workers' join secret. The first manager seals them into the group's etcd, as k3s
// keeps its bootstrap data in its datastore, encrypted with a key derived from the manager join
// token's secret: someone who can read etcd cannot sign certificates without the token, and a
// manager that holds the token needs no other manager to be up to join.

/** What a manager of the group needs to act as the cluster's authority. */
export interface PkiBundle {
  caCertPem: string;
  caKeyPem: string;
  /** The current worker join token's secret (rotations reseal the bundle). */
  workerJoinSecret: string;
}

/** The bundle as stored: AES-256-GCM under a scrypt key of the manager join secret. */
export interface SealedBundle {
  version: 1;
  /** SHA-256 of the CA certificate's DER (public, as in a join token): which cluster this is. */
  caHash: string;
  salt: string;
  iv: string;
  tag: string;
  data: string;
}

/** The manager join token does not open the group's bundle: another group's, or rotated. */
export class ManagerJoinRefused extends PoseidonError {
  constructor(why: string) {
    super(
      'unauthenticated',
      `the manager join token does not open this group's CA (${why}); check --join-token: it is a group ` +
        "manager's <data-dir>/manager-join-token, not the workers' <data-dir>/join-token",
    );
  }
}

function deriveKey(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err === null ? resolve(key) : reject(err),
    ),
  );
}

export async function sealBundle(bundle: PkiBundle, caHash: string, secret: string): Promise<SealedBundle> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await deriveKey(secret, salt), iv);
  cipher.setAAD(Buffer.from(caHash));
  const data = Buffer.concat([cipher.update(JSON.stringify(bundle), 'utf8'), cipher.final()]);
  return {
    version: 1,
    caHash,
    salt: salt.toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

/** Opens the bundle with the manager join secret; ManagerJoinRefused when it is not the one. */
export async function openBundle(sealed: SealedBundle, secret: string): Promise<PkiBundle> {
  let text: string;
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      await deriveKey(secret, Buffer.from(sealed.salt, 'base64')),
      Buffer.from(sealed.iv, 'base64'),
    );
    decipher.setAAD(Buffer.from(sealed.caHash));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    text = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new ManagerJoinRefused('it does not decrypt');
  }
  const b = JSON.parse(text) as Partial<PkiBundle>;
  if (typeof b.caCertPem !== 'string' || typeof b.caKeyPem !== 'string' || typeof b.workerJoinSecret !== 'string')
    throw new ManagerJoinRefused('it holds no CA');
  return { caCertPem: b.caCertPem, caKeyPem: b.caKeyPem, workerJoinSecret: b.workerJoinSecret };
}

/** A stored value that is a sealed bundle, or null. */
export function parseSealed(text: string): SealedBundle | null {
  try {
    const v = JSON.parse(text) as Partial<SealedBundle>;
    const strings = [v.caHash, v.salt, v.iv, v.tag, v.data].every((x) => typeof x === 'string');
    return v.version === 1 && strings ? (v as SealedBundle) : null;
  } catch {
    return null;
  }
}
