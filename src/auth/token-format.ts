import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// An API token is `psdn_<id>_<secret>`: the id (12 hex digits) finds the record, the secret (32
// random bytes, base64url) proves the holder. Only the secret's SHA-256 is stored. A slow hash
// (scrypt, bcrypt) guards guessable passwords; 256 random bits leave nothing to guess, and a slow
// hash would be paid by every request. The prefix lets secret scanners and people recognize one.

const TOKEN = /^psdn_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface TokenParts {
  id: string;
  secret: string;
}

/** A new id and secret from `random` (crypto's randomBytes unless a test fixes it). */
export function newTokenParts(random: (bytes: number) => Buffer = randomBytes): TokenParts {
  return { id: random(6).toString('hex'), secret: random(32).toString('base64url') };
}

export function formatToken(parts: TokenParts): string {
  return `psdn_${parts.id}_${parts.secret}`;
}

/** The id and secret of a well-formed token; null for anything else. */
export function parseToken(text: string): TokenParts | null {
  const m = TOKEN.exec(text);
  return m?.[1] === undefined || m[2] === undefined ? null : { id: m[1], secret: m[2] };
}

/** SHA-256 of the secret: what is stored, and what a presented secret is compared by. */
export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/**
 * Whether `secret` hashes to `hash`, in time that does not depend on where they differ: both
 * digests are 32 bytes, compared whole by `equal` (crypto's timingSafeEqual).
 */
export function secretMatches(
  secret: string,
  hash: Buffer,
  equal: (a: Buffer, b: Buffer) => boolean = timingSafeEqual,
): boolean {
  const presented = hashSecret(secret);
  return presented.length === hash.length && equal(presented, hash);
}
