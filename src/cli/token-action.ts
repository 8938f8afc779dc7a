import type { RevokedTokenView, TokenView } from '../api/index.js';
import { InvalidField } from '../errors/index.js';
import { STDIO, type Output } from './each-name.js';
import { renamingField } from './field-flags.js';
import { table } from './format.js';
import { managerClient, type ClientFlags } from './manager-client.js';

// `poseidon token create | ls | revoke`: API tokens for people and scripts (an admin token's work).

export interface TokenCreateFlags extends ClientFlags {
  scope: string;
  ttl?: string;
  name?: string;
  json?: boolean;
}
export type TokenListFlags = ClientFlags & { json?: boolean };

/** The API's TOKEN_SCOPES; not imported: src/api's index would load the schemas. */
const SCOPES = ['read', 'deploy', 'admin'] as const;
type Scope = (typeof SCOPES)[number];

function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** `poseidon token create`: prints the token on stdout, alone, the only time it is shown. */
export async function createToken(flags: TokenCreateFlags, io: Output = STDIO): Promise<void> {
  const { scope } = flags;
  if (!isScope(scope)) throw new InvalidField('--scope', `is "${scope}"; use read, deploy or admin`);
  const created = await managerClient(flags)
    .createToken({
      scope,
      ...(flags.ttl === undefined ? {} : { ttl: flags.ttl }),
      ...(flags.name === undefined ? {} : { name: flags.name }),
    })
    .catch((err: unknown) => {
      throw namingFlag(err);
    });
  if (flags.json === true) {
    io.out(`${JSON.stringify(created, null, 2)}\n`);
    return;
  }
  io.out(`${created.token}\n`);
  const expires = created.expiresAt === null ? 'never expires' : `expires ${minute(created.expiresAt)}`;
  io.err(`token ${created.id} (scope ${created.scope}, ${expires}) created; it is not shown again, keep it now\n`);
}

/** The flags that set the body's fields: a refusal of `ttl` names `--ttl`, which the user typed. */
const FLAG_OF: ReadonlyMap<string, string> = new Map([
  ['ttl', '--ttl'],
  ['name', '--name'],
  ['scope', '--scope'],
]);

/** The manager's refusal of a field, with the flag that set it in its place; any other error as it is. */
export function namingFlag(err: unknown): unknown {
  return renamingField(err, (field) => FLAG_OF.get(field));
}

/** `poseidon token ls`: every token, never a secret. */
export async function listTokens(flags: TokenListFlags, io: Output = STDIO): Promise<void> {
  const tokens = await managerClient(flags).listTokens();
  io.out(flags.json === true ? `${JSON.stringify(tokens, null, 2)}\n` : `${tokenTable(tokens)}\n`);
}

/**
 * `poseidon token revoke ID`: refused from now on, for good. A token revoked before is said so, with
 * when, and exits 0 as `docker stop` of a stopped container does: what was asked holds, and a
 * revoke sent again (a script run twice, a call retried after its answer was lost) must not fail.
 */
export async function revokeToken(id: string, flags: TokenListFlags, io: Output = STDIO): Promise<void> {
  const token = await managerClient(flags).revokeToken(id);
  io.out(flags.json === true ? `${JSON.stringify(token, null, 2)}\n` : revokedLine(token));
}

/** What `token revoke` prints: revoked now, or already (and when). */
export function revokedLine(token: Pick<RevokedTokenView, 'id' | 'revokedAt'> & { alreadyRevoked?: boolean }): string {
  if (token.alreadyRevoked !== true || token.revokedAt === null) return `token ${token.id} revoked\n`;
  return `token ${token.id} was already revoked (at ${minute(token.revokedAt)}); nothing changed\n`;
}

/** "2026-12-01T14:03:27.123Z" -> "2026-12-01 14:03Z". */
function minute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`;
}

export function tokenTable(tokens: readonly TokenView[]): string {
  return table(
    ['ID', 'NAME', 'SCOPE', 'STATE', 'CREATED', 'EXPIRES', 'LAST USED'],
    tokens.map((t) => [
      t.id,
      t.name === '' ? '-' : t.name,
      t.scope,
      t.state,
      minute(t.createdAt),
      t.expiresAt === null ? 'never' : minute(t.expiresAt),
      t.lastUsedAt === null ? 'never' : minute(t.lastUsedAt),
    ]),
  );
}
