import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { JoinRequest, NodeCertificateView, RenewRequest } from '../api/index.js';
import type { Clock } from '../clock/index.js';
import { PoseidonError } from '../errors/index.js';
import { BACKDATE_MS, ClusterCa, publicKeyOfCsr } from './ca.js';
import { PRIVATE_MODE, PUBLIC_MODE, readIfPresent, writeFileAtomic } from './files.js';
import { formatJoinToken, newJoinSecret, parseJoinToken, secretsEqual } from './join-token.js';
import { credentialsOf, type NodeCredentials } from './node-credentials.js';
import { renewalAtMs } from './renewal.js';
import { sameAddress, type CertRole } from './subject.js';
import { generateKeys, privateKeyPem } from './x509.js';

/** The join token is not this cluster's current one; the message never repeats it. */
export class JoinTokenRefused extends PoseidonError {
  constructor() {
    super('unauthenticated', 'the join token is not valid for this cluster (it was rotated, or is for another one)');
  }
}

export interface AuthorityOptions {
  dataDir: string;
  clock: Clock;
  log: Logger;
  /** How long the node certificates it issues last. */
  certTtlMs: number;
}

/** Files of the manager's data dir the authority keeps, beside the CA's (ca.crt, ca.key). */
export function authorityPaths(dataDir: string): { joinToken: string; key: string; cert: string } {
  return {
    joinToken: join(dataDir, 'join-token'),
    key: join(dataDir, 'manager.key'),
    cert: join(dataDir, 'manager.crt'),
  };
}

/**
 * The manager's side of node certificates: the cluster CA, the worker join token
 * (`<data-dir>/join-token`, 0600), certificates for nodes that join or renew, and the manager's
 * own. Revocation is the manager's store's (a node removed is refused by the servers' identify).
 */
export class NodeAuthority {
  #secret: string;
  #onRotate: ((token: string) => Promise<void>) | undefined;
  #onIssued: ((nodeId: string, expiresAtMs: number) => Promise<void>) | undefined;

  private constructor(
    readonly ca: ClusterCa,
    secret: string,
    private readonly opts: AuthorityOptions,
  ) {
    this.#secret = secret;
  }

  /** Opens the CA and the join token in the data dir, making each on the first start. */
  static async open(opts: AuthorityOptions): Promise<NodeAuthority> {
    const { ca, created } = await ClusterCa.open(opts.dataDir, opts.clock.now());
    if (created) opts.log.info({ caHash: ca.hash, dataDir: opts.dataDir }, 'cluster CA created');
    const paths = authorityPaths(opts.dataDir);
    const written = await readIfPresent(paths.joinToken);
    let secret: string | undefined;
    if (written !== undefined) {
      const token = parseJoinToken(written);
      // a token file of another CA (a data dir put together by hand) would join no one
      if (token.caHash === ca.hash) secret = token.secret;
    }
    const authority = new NodeAuthority(ca, secret ?? newJoinSecret(), opts);
    if (secret === undefined) {
      await authority.#writeToken();
      opts.log.info({ path: paths.joinToken }, 'worker join token written');
    }
    return authority;
  }

  /** The current worker join token (a secret: never log it). */
  get joinToken(): string {
    return formatJoinToken({ caHash: this.ca.hash, secret: this.#secret });
  }

  /** A certificate for a node that holds the current join token; a new node id, role worker. */
  async join(req: JoinRequest): Promise<NodeCertificateView> {
    let token;
    try {
      token = parseJoinToken(req.token);
    } catch {
      throw new JoinTokenRefused();
    }
    // both compared whole, in constant time: a wrong guess learns nothing about the right one
    const sameCa = secretsEqual(token.caHash, this.ca.hash);
    if (!secretsEqual(token.secret, this.#secret) || !sameCa) throw new JoinTokenRefused();
    const publicKey = await publicKeyOfCsr(req.csr);
    const nodeId = randomUUID();
    const view = await this.#issueToNode(publicKey, nodeId, 'worker', req.addresses);
    this.opts.log.info({ nodeId, addresses: req.addresses, expiresAt: view.expiresAt }, 'node joined');
    return view;
  }

  /** A new certificate for a node that called with its current one (checked and not revoked by then). */
  async renew(node: { nodeId: string; role: CertRole }, req: RenewRequest): Promise<NodeCertificateView> {
    const publicKey = await publicKeyOfCsr(req.csr);
    const view = await this.#issueToNode(publicKey, node.nodeId, node.role, req.addresses);
    this.opts.log.info({ nodeId: node.nodeId, expiresAt: view.expiresAt }, 'node certificate renewed');
    return view;
  }

  /** A new join token; the old one joins no one from now on, and nodes that joined with it keep working. */
  async rotateJoinToken(): Promise<string> {
    this.#secret = newJoinSecret();
    await this.#writeToken();
    await this.#onRotate?.(this.joinToken);
    this.opts.log.info({ path: authorityPaths(this.opts.dataDir).joinToken }, 'worker join token rotated');
    return this.joinToken;
  }

  /** Called with the new token after each rotation, before it is answered (a group shares it). */
  onRotate(fn: (token: string) => Promise<void>): void {
    this.#onRotate = fn;
  }

  /**
   * Called with the node id and expiry of each certificate issued to a node (a join, a renewal)
   * before the node gets it: the manager records it durably (a removal keeps the node revoked
   * until then), and a failure fails the join or renewal.
   */
  onIssued(fn: (nodeId: string, expiresAtMs: number) => Promise<void>): void {
    this.#onIssued = fn;
  }

  /** Takes the worker join secret another manager of the group rotated to. */
  async adoptJoinSecret(secret: string): Promise<void> {
    if (secretsEqual(secret, this.#secret)) return;
    this.#secret = secret;
    await this.#writeToken();
    this.opts.log.info('worker join token taken from the manager group');
  }

  /**
   * The manager's own certificate (role manager) for `addresses`, kept as `manager.key` and
   * `manager.crt`: the one on disk while it is valid, not yet due for renewal and names every
   * address; else a new one (same node id, new key).
   */
  async managerCredentials(addresses: readonly string[], random: () => number): Promise<NodeCredentials> {
    const paths = authorityPaths(this.opts.dataDir);
    const [keyPem, certPem] = await Promise.all([readIfPresent(paths.key), readIfPresent(paths.cert)]);
    let nodeId: string = randomUUID();
    if (keyPem !== undefined && certPem !== undefined) {
      try {
        const creds = credentialsOf({ keyPem, certPem, caPem: this.ca.certPem });
        nodeId = creds.info.nodeId;
        const now = this.opts.clock.now();
        const covers = addresses.every((a) => creds.info.addresses.some((b) => sameAddress(a, b)));
        if (covers && creds.caHash === this.ca.hash && now < renewalAtMs(creds.info, random())) return creds;
      } catch (err) {
        this.opts.log.warn(
          { path: paths.cert, reason: String(err) },
          'manager certificate unreadable; issuing a new one',
        );
      }
    }
    return this.issueManagerCredentials(nodeId, addresses);
  }

  /** A new certificate and key for the manager itself, written to the data dir. */
  async issueManagerCredentials(nodeId: string, addresses: readonly string[]): Promise<NodeCredentials> {
    const keys = await generateKeys();
    const view = await this.#issue(keys.publicKey, nodeId, 'manager', addresses);
    const creds = credentialsOf({
      keyPem: await privateKeyPem(keys.privateKey),
      certPem: view.certificate,
      caPem: this.ca.certPem,
    });
    const paths = authorityPaths(this.opts.dataDir);
    await writeFileAtomic(paths.key, creds.keyPem, PRIVATE_MODE);
    await writeFileAtomic(paths.cert, creds.certPem, PUBLIC_MODE);
    return creds;
  }

  async #issue(
    publicKey: Parameters<ClusterCa['issue']>[0]['publicKey'],
    nodeId: string,
    role: CertRole,
    addresses: readonly string[],
  ): Promise<NodeCertificateView> {
    const now = this.opts.clock.now();
    const ttl = this.opts.certTtlMs;
    // a little in the past for clocks that run behind, but never a large part of a short life
    const notBeforeMs = now - Math.min(BACKDATE_MS, Math.floor(ttl / 10));
    const notAfterMs = now + ttl;
    const certificate = await this.ca.issue({ publicKey, nodeId, role, addresses, notBeforeMs, notAfterMs });
    return { nodeId, role, certificate, ca: this.ca.certPem, expiresAt: new Date(notAfterMs).toISOString() };
  }

  /** A certificate for a node (not the manager's own), recorded (onIssued) before it is handed out. */
  async #issueToNode(
    publicKey: Parameters<ClusterCa['issue']>[0]['publicKey'],
    nodeId: string,
    role: CertRole,
    addresses: readonly string[],
  ): Promise<NodeCertificateView> {
    const view = await this.#issue(publicKey, nodeId, role, addresses);
    await this.#onIssued?.(nodeId, Date.parse(view.expiresAt));
    return view;
  }

  async #writeToken(): Promise<void> {
    await writeFileAtomic(authorityPaths(this.opts.dataDir).joinToken, `${this.joinToken}\n`, PRIVATE_MODE);
  }
}
