import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { PoseidonError } from '../errors/index.js';

// A worker join token, as Swarm's: `PSDN-1-<CA hash>-<secret>`. The hash (SHA-256 of the cluster
// CA certificate's DER, hex) lets a joining node check that the manager it reached is the one
// whose token it holds before it sends anything; the secret lets the manager check that the node
// was invited. Only the secret is a secret: the hash is public, as the CA certificate is.

const PREFIX = 'PSDN';
const VERSION = '1';
const TOKEN = /^PSDN-1-([0-9a-f]{64})-([0-9a-f]{32})$/;
const SECRET_BYTES = 16;

export interface JoinToken {
  /** SHA-256 of the CA certificate's DER, lowercase hex. */
  caHash: string;
  /** 128 random bits, lowercase hex. */
  secret: string;
}

/** A join token that is not one: the message says what a token looks like, never the text given. */
export class MalformedJoinToken extends PoseidonError {
  constructor() {
    super('invalid_request', `the join token is not of the form ${PREFIX}-${VERSION}-<64 hex digits>-<32 hex digits>`);
  }
}

/** SHA-256 of the CA certificate's DER, lowercase hex: what a join token pins. */
export function caHashOf(caDer: Uint8Array): string {
  return createHash('sha256').update(caDer).digest('hex');
}

export function newJoinSecret(): string {
  return randomBytes(SECRET_BYTES).toString('hex');
}

export function formatJoinToken(token: JoinToken): string {
  return `${PREFIX}-${VERSION}-${token.caHash}-${token.secret}`;
}

/** Reads a join token (surrounding whitespace ignored); throws MalformedJoinToken. */
export function parseJoinToken(text: string): JoinToken {
  const m = TOKEN.exec(text.trim());
  if (m?.[1] === undefined || m[2] === undefined) throw new MalformedJoinToken();
  return { caHash: m[1], secret: m[2] };
}

/** Compares two secrets in time that does not depend on where they differ. */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
