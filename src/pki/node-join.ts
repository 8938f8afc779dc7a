import type { Logger } from 'pino';
import { PoseidonError } from '../errors/index.js';
import { joinCluster, renewCredentials } from './join.js';
import { parseJoinToken } from './join-token.js';
import { loadNodeCredentials, saveNodeCredentials, type NodeCredentials } from './node-credentials.js';
import { sameAddress } from './subject.js';

/**
 * A node with no certificate and no way to get one. Started from a config file (`configFile`), it
 * is told the file's keys too: the flags alone read as if the file were not the place to set them.
 */
export class NotJoined extends PoseidonError {
  constructor(
    readonly why: string,
    configFile?: string,
  ) {
    const flags = '--manager https://MANAGER:5555 --join-token TOKEN';
    const where = "the token is in the manager's data dir, file join-token";
    super(
      'invalid_request',
      configFile === undefined
        ? `${why}: start it with ${flags} (${where})`
        : `${why}: set manager: https://MANAGER:5555 and join-token: TOKEN in ${configFile}, ` +
            `or start it with ${flags} (${where}; POSEIDON_JOIN_TOKEN=TOKEN keeps it out of the file)`,
    );
  }
}

export interface NodeJoinOptions {
  /** Where the node keeps its key and certificates; undefined keeps them in memory only. */
  dataDir?: string;
  managerUrl?: string;
  joinToken?: string;
  /** Where the node may be reached: its certificate must name each. */
  addresses: readonly string[];
  /** Epoch ms now. */
  now: number;
  log: Logger;
}

/**
 * The credentials a node starts with: the ones in its data dir while they are valid, of the
 * token's cluster, and name every address (else renewed at once); otherwise it joins with the
 * join token, which a node that joined before no longer needs.
 */
export async function nodeCredentials(opts: NodeJoinOptions): Promise<NodeCredentials> {
  const { log } = opts;
  const token = opts.joinToken === undefined ? undefined : parseJoinToken(opts.joinToken);
  let creds = opts.dataDir === undefined ? undefined : await loadNodeCredentials(opts.dataDir);
  if (creds !== undefined && token !== undefined && creds.caHash !== token.caHash) {
    log.info({ nodeId: creds.info.nodeId }, 'the join token is for another cluster than this node joined; joining it');
    creds = undefined;
  }
  if (creds !== undefined && opts.now >= creds.info.notAfterMs) {
    log.warn({ nodeId: creds.info.nodeId }, 'node certificate expired; the node must join again');
    creds = undefined;
  }
  if (creds === undefined) {
    if (opts.managerUrl === undefined || opts.joinToken === undefined)
      throw new NotJoined('this worker has no valid certificate of a cluster');
    creds = await joinCluster({ managerUrl: opts.managerUrl, token: opts.joinToken, addresses: opts.addresses });
    if (opts.dataDir !== undefined) await saveNodeCredentials(opts.dataDir, creds);
    log.info(
      { nodeId: creds.info.nodeId, caHash: creds.caHash, expiresAt: new Date(creds.info.notAfterMs).toISOString() },
      'joined the cluster',
    );
    return creds;
  }
  const named = creds.info.addresses;
  if (opts.managerUrl !== undefined && !opts.addresses.every((a) => named.some((b) => sameAddress(a, b)))) {
    // it moved (a new --host or --advertise): the certificate must name where it is now
    creds = await renewCredentials(opts.managerUrl, creds, opts.addresses);
    if (opts.dataDir !== undefined) await saveNodeCredentials(opts.dataDir, creds);
    log.info({ nodeId: creds.info.nodeId, addresses: opts.addresses }, 'certificate renewed for new addresses');
  }
  return creds;
}
