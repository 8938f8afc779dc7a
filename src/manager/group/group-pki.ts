import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import { InvalidField, PoseidonError } from '../../errors/index.js';
import {
  authorityPaths,
  caHashOf,
  caPaths,
  formatJoinToken,
  newJoinSecret,
  parseJoinToken,
  PRIVATE_MODE,
  PUBLIC_MODE,
  readIfPresent,
  writeFileAtomic,
  type NodeAuthority,
} from '../../pki/index.js';
import { ManagerJoinRefused, openBundle, parseSealed, sealBundle, type SealedBundle } from './pki-bundle.js';

// The group's CA in each manager's data dir. The first manager of a group makes the CA as a lone
// manager does, then seals it into etcd (pki-bundle.ts) and writes `<data-dir>/manager-join-token`;
// a manager started with an empty data dir and that token opens the bundle and writes the CA and
// both join tokens into its own data dir, after which it starts as any manager does.

/** `<data-dir>/manager-join-token` (0600): what another manager needs to join the group. */
export function managerJoinTokenPath(dataDir: string): string {
  return join(dataDir, 'manager-join-token');
}

/** The data dir and the group's etcd disagree about which cluster this is. */
export class GroupMismatch extends PoseidonError {
  constructor(message: string) {
    super('ca_mismatch', message);
  }
}

export interface GroupPkiOptions {
  client: Etcd3;
  /** The etcd key of the sealed bundle (`<prefix>group/pki`). */
  key: string;
  dataDir: string;
  /** `--join-token`: the manager join token, for a manager whose data dir holds no CA yet. */
  joinToken?: string;
  log: Logger;
}

/**
 * Before NodeAuthority.open: when the group exists and this data dir has no CA, joins it (the
 * token opens the bundle, whose CA and tokens are written here); when it has one, checks it is the
 * group's. Null when etcd holds no group yet: this manager is its first (then publishGroupPki).
 */
export async function takeGroupPki(opts: GroupPkiOptions): Promise<SealedBundle | null> {
  const stored = await opts.client.get(opts.key).string();
  const sealed = stored === null ? null : parseSealed(stored);
  if (stored !== null && sealed === null) throw new GroupMismatch(`etcd key ${opts.key} holds no group CA bundle`);
  const paths = caPaths(opts.dataDir);
  const caPem = await readIfPresent(paths.cert);
  if (sealed === null) {
    if (caPem === undefined && opts.joinToken !== undefined)
      throw new InvalidField('--join-token', `is given, but etcd holds no manager group at ${opts.key}; check --store`);
    return null;
  }
  if (caPem !== undefined) {
    if (caHashOf(new X509Certificate(caPem).raw) !== sealed.caHash)
      throw new GroupMismatch(
        `the data dir ${opts.dataDir} holds another cluster's CA than the group in etcd; ` +
          "start this manager with an empty --data-dir and the group's --join-token",
      );
    return sealed;
  }
  if (opts.joinToken === undefined)
    throw new InvalidField(
      '--join-token',
      "is needed: etcd holds a manager group; give the token in a group manager's <data-dir>/manager-join-token",
    );
  const token = parseJoinToken(opts.joinToken);
  if (token.caHash !== sealed.caHash) throw new ManagerJoinRefused("it pins another CA than the group's");
  const bundle = await openBundle(sealed, token.secret);
  await writeFileAtomic(paths.key, bundle.caKeyPem, PRIVATE_MODE);
  await writeFileAtomic(paths.cert, bundle.caCertPem, PUBLIC_MODE);
  const workerToken = formatJoinToken({ caHash: sealed.caHash, secret: bundle.workerJoinSecret });
  await writeFileAtomic(authorityPaths(opts.dataDir).joinToken, `${workerToken}\n`, PRIVATE_MODE);
  await writeFileAtomic(managerJoinTokenPath(opts.dataDir), `${opts.joinToken.trim()}\n`, PRIVATE_MODE);
  opts.log.info({ caHash: sealed.caHash }, 'joined the manager group: its CA and join tokens written to the data dir');
  return sealed;
}

/**
 * After NodeAuthority.open: makes sure the group's bundle holds this authority's CA and worker
 * join secret (sealed with the manager join token, made here on the first start), and that the
 * token is in the data dir. Refused when another manager made another group meanwhile.
 */
export async function publishGroupPki(opts: GroupPkiOptions, authority: NodeAuthority): Promise<void> {
  const secret = await managerJoinSecret(opts.dataDir, authority.ca.hash);
  const sealed = await sealedFor(opts.dataDir, authority, secret);
  const key = Buffer.from(opts.key);
  const res = await opts.client.kv.txn({
    compare: [{ key, target: 'Create', result: 'Equal', create_revision: 0 }],
    success: [{ request_put: { key, value: Buffer.from(JSON.stringify(sealed)) } }],
    failure: [{ request_range: { key } }],
  });
  if (res.succeeded) {
    opts.log.info(
      { path: managerJoinTokenPath(opts.dataDir) },
      'manager group created in etcd; other managers join it with the manager join token',
    );
    return;
  }
  const current = res.responses[0]?.response_range?.kvs[0];
  const existing = current === undefined ? null : parseSealed(current.value.toString('utf8'));
  if (existing?.caHash !== authority.ca.hash)
    throw new GroupMismatch(
      'another manager created the group in etcd at the same time; start this one again with an empty ' +
        "--data-dir and the group's --join-token",
    );
}

/**
 * The worker join secret the group holds now (another manager may have rotated it), read with
 * this manager's join token; undefined when there is no bundle.
 */
export async function groupJoinSecret(opts: GroupPkiOptions, caHash: string): Promise<string | undefined> {
  const stored = await opts.client.get(opts.key).string();
  const sealed = stored === null ? null : parseSealed(stored);
  if (sealed === null) return undefined;
  const bundle = await openBundle(sealed, await managerJoinSecret(opts.dataDir, caHash));
  return bundle.workerJoinSecret;
}

/** Seals the authority's current state again (after a worker join token rotation). */
export async function resealGroupPki(opts: GroupPkiOptions, authority: NodeAuthority): Promise<void> {
  const sealed = await sealedFor(opts.dataDir, authority, await managerJoinSecret(opts.dataDir, authority.ca.hash));
  await opts.client.put(opts.key).value(JSON.stringify(sealed));
}

async function sealedFor(dataDir: string, authority: NodeAuthority, secret: string): Promise<SealedBundle> {
  const caKeyPem = await readIfPresent(caPaths(dataDir).key);
  if (caKeyPem === undefined) throw new GroupMismatch(`the data dir ${dataDir} has no CA key`);
  const workerJoinSecret = parseJoinToken(authority.joinToken).secret;
  return sealBundle({ caCertPem: authority.ca.certPem, caKeyPem, workerJoinSecret }, authority.ca.hash, secret);
}

/** The manager join token's secret from the data dir, made and written there when missing. */
async function managerJoinSecret(dataDir: string, caHash: string): Promise<string> {
  const path = managerJoinTokenPath(dataDir);
  const written = await readIfPresent(path);
  if (written !== undefined) {
    const token = parseJoinToken(written);
    if (token.caHash === caHash) return token.secret;
  }
  const secret = newJoinSecret();
  await writeFileAtomic(path, `${formatJoinToken({ caHash, secret })}\n`, PRIVATE_MODE);
  return secret;
}
