import { resolve } from 'node:path';
import type { TokenView } from '../api/index.js';
import { ManagerClient, managerUrls } from '../client/index.js';
import { InvalidField, PoseidonError } from '../errors/index.js';
import { saveCredentials } from './credentials.js';
import { STDIO, type Output } from './each-name.js';
import { readCa } from './manager-client.js';

export interface LoginFlags {
  token?: string;
  ca?: string;
}

/** The manager did not take the token `poseidon login` was given. */
class LoginRefused extends PoseidonError {
  constructor(url: string, why: string) {
    super('unauthenticated', `the manager at ${url} refused the token (${why}); check it, or ask an admin for one`);
  }
}

/**
 * `poseidon login URL --token T [--ca FILE]`: checks the credentials against the manager, then
 * saves them (0600) so later commands need neither flags nor environment. URL is any address
 * managerUrls reads (`HOST`, `HOST:PORT`: https, port 5555 by default), saved as its URL.
 */
export async function login(url: string, flags: LoginFlags, io: Output = STDIO): Promise<void> {
  const manager = managerUrls('URL', url);
  const fromEnv = flags.token === undefined;
  const token = (flags.token ?? process.env.POSEIDON_TOKEN ?? '').trim();
  if (token === '')
    throw new InvalidField(
      '--token',
      'is missing; pass an API token (the manager wrote one to <data-dir>/admin-token)',
    );
  const caFile = flags.ca ?? (process.env.POSEIDON_CA === '' ? undefined : process.env.POSEIDON_CA);
  const ca = caFile === undefined ? undefined : resolve(caFile);
  const client = new ManagerClient(manager, undefined, {
    token,
    ...(ca === undefined
      ? {}
      : { tls: { ca: readCa({ value: ca, from: flags.ca === undefined ? 'POSEIDON_CA' : '--ca' }) } }),
  });
  let me: TokenView;
  try {
    me = await client.whoami();
  } catch (err) {
    if (err instanceof PoseidonError && (err.code === 'unauthenticated' || err.code === 'forbidden'))
      throw new LoginRefused(manager, `${fromEnv ? 'POSEIDON_TOKEN: ' : ''}${err.message}`);
    throw err;
  }
  const path = saveCredentials({ manager, token, ...(ca === undefined ? {} : { ca }) });
  const name = me.name === '' ? '' : ` (${me.name})`;
  io.out(`logged in to ${manager} with token ${me.id}${name}, scope ${me.scope}; saved to ${path}\n`);
}
