import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { isConnectionFailure, ManagerClient, ServerUnreachable } from '../client/index.js';
import { PoseidonError, RemoteError } from '../errors/index.js';
import { isIssuedBy, matchesKey } from './certificate.js';
import { newKeyAndCsr } from './csr.js';
import { caHashOf, parseJoinToken } from './join-token.js';
import { credentialsOf, type NodeCredentials } from './node-credentials.js';

/** Longest the manager's CA certificate may be (ours is under 1 KiB). */
const MAX_CA_BYTES = 64 * 1024;
const JOIN_TIMEOUT_MS = 15_000;

/**
 * The manager answered with a CA whose hash is not the one in the join token: the token is for
 * another cluster, or something between the node and the manager is pretending. Nothing was sent.
 */
export class ClusterCaMismatch extends PoseidonError {
  constructor(managerUrl: string, found: string, expected: string) {
    super(
      'ca_mismatch',
      `the manager at ${managerUrl} has CA sha256:${found.slice(0, 16)}…, the join token expects ` +
        `sha256:${expected.slice(0, 16)}…: the token is for another cluster (or something is in between); ` +
        'nothing was sent',
    );
  }
}

/**
 * The manager refused the join token (rotated, or of another cluster with the same CA): said with
 * where the current one is, not the API token hint a refused CLI call gets.
 */
export class JoinTokenNotAccepted extends PoseidonError {
  constructor(managerUrl: string, said: string) {
    super(
      'unauthenticated',
      `the manager at ${managerUrl} refused the join token: ${said}; ` +
        "use the current one, from the manager's <data-dir>/join-token (--join-token or POSEIDON_JOIN_TOKEN)",
    );
  }
}

/** The manager's answer to a join or renewal is not a certificate for our key from our CA. */
export class BadCertificateAnswer extends PoseidonError {
  constructor(why: string) {
    super('bad_answer', `the manager's certificate answer is not usable: ${why}`);
  }
}

export interface JoinOptions {
  /** The manager's https:// URL, or several comma-separated (managers as a group: the first that answers). */
  managerUrl: string;
  /** `PSDN-1-<CA hash>-<secret>`. */
  token: string;
  /** Where this node may be reached (its certificate will name them). */
  addresses: readonly string[];
}

/**
 * Joins the cluster: reads the manager's CA certificate and checks its hash against the token
 * before sending anything else, then sends a certificate request for a key made here (it never
 * leaves this node) with the token over TLS that trusts that CA only, and checks the answer.
 */
export async function joinCluster(opts: JoinOptions): Promise<NodeCredentials> {
  const token = parseJoinToken(opts.token);
  const urls = opts.managerUrl.split(',').map((u) => u.trim());
  for (const url of urls)
    if (!url.startsWith('https://'))
      throw new BadCertificateAnswer(`joining needs the manager's https:// URL, not ${url}`);
  const { url, caPem } = await firstCaAnswer(urls);
  const found = caHashOf(new X509Certificate(caPem).raw);
  if (found !== token.caHash) throw new ClusterCaMismatch(url, found, token.caHash);
  const { keyPem, csrPem } = await newKeyAndCsr();
  const manager = new ManagerClient(opts.managerUrl, JOIN_TIMEOUT_MS, { tls: { ca: caPem, serverRole: 'manager' } });
  const answer = await manager
    .join({ token: opts.token.trim(), csr: csrPem, addresses: [...opts.addresses] })
    .catch((err: unknown) => {
      if (err instanceof RemoteError && err.code === 'unauthenticated')
        throw new JoinTokenNotAccepted(url, err.message);
      throw err;
    });
  return checkedCredentials(answer.certificate, keyPem, caPem);
}

/** The CA certificate from the first manager of the list that answers; the last failure when none does. */
async function firstCaAnswer(urls: readonly string[]): Promise<{ url: string; caPem: string }> {
  let failure: unknown;
  for (const url of urls) {
    try {
      return { url, caPem: await fetchCaCertificate(url) };
    } catch (err) {
      failure = err;
    }
  }
  throw failure;
}

/**
 * A new certificate for the same node and a new key, asked over mutual TLS with the current one
 * (the manager refuses a revoked or expired one).
 */
export async function renewCredentials(
  managerUrl: string,
  current: NodeCredentials,
  addresses: readonly string[],
): Promise<NodeCredentials> {
  const { keyPem, csrPem } = await newKeyAndCsr();
  const manager = new ManagerClient(managerUrl, JOIN_TIMEOUT_MS, {
    tls: { ca: current.caPem, cert: current.certPem, key: current.keyPem, serverRole: 'manager' },
  });
  const answer = await manager.renewCertificate({ csr: csrPem, addresses: [...addresses] });
  const renewed = checkedCredentials(answer.certificate, keyPem, current.caPem);
  if (renewed.info.nodeId !== current.info.nodeId || renewed.info.role !== current.info.role)
    throw new BadCertificateAnswer(`it names node ${renewed.info.nodeId}, not ${current.info.nodeId}`);
  return renewed;
}

function checkedCredentials(certPem: string, keyPem: string, caPem: string): NodeCredentials {
  let creds: NodeCredentials;
  try {
    creds = credentialsOf({ keyPem, certPem, caPem });
  } catch (err) {
    throw new BadCertificateAnswer(err instanceof Error ? err.message : String(err));
  }
  if (!isIssuedBy(certPem, caPem)) throw new BadCertificateAnswer('it is not signed by the cluster CA');
  if (!matchesKey(certPem, keyPem)) throw new BadCertificateAnswer('it is not for the key this node sent');
  return creds;
}

/**
 * `GET /ca` without trusting the answer yet: the caller compares its hash with the join token's
 * before it sends anything else. Redirects are not followed; the answer is bounded.
 */
export function fetchCaCertificate(managerUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/ca', managerUrl),
      // nothing is trusted yet: the hash check that follows is what authenticates the answer
      { method: 'GET', rejectUnauthorized: false, timeout: JOIN_TIMEOUT_MS, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_CA_BYTES) req.destroy(new BadCertificateAnswer('the CA certificate is too large'));
          else chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          if (res.statusCode !== 200) {
            reject(new BadCertificateAnswer(`GET /ca answered HTTP ${res.statusCode ?? 0}`));
            return;
          }
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            new X509Certificate(text); // parses, or throws
            resolve(text);
          } catch {
            reject(new BadCertificateAnswer('GET /ca did not answer with a certificate'));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new JoinTimedOut(managerUrl)));
    // not there (refused, no route, no such host), or no answer: one line that says what to check
    req.on('error', (err) => reject(isConnectionFailure(err) ? unreachableManager(managerUrl, err) : err));
    req.end();
  });
}

/** GET /ca had no answer within JOIN_TIMEOUT_MS. */
class JoinTimedOut extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly managerUrl: string) {
    super(`no answer within ${JOIN_TIMEOUT_MS / 1000} s`);
  }
}

/** The manager at `url` was not reached: as any client of it says so (ServerUnreachable), with why. */
function unreachableManager(url: string, err: unknown): ServerUnreachable {
  const late = err instanceof JoinTimedOut ? ` (${err.message})` : '';
  return new ServerUnreachable(url, `manager at ${url}${late}: is \`poseidon manager\` running?`, { cause: err });
}
