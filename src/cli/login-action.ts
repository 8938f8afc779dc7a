import { resolve } from 'node:path';
import type { TokenView } from '../api/index.js';
import { ManagerClient, ServerUnreachable } from '../client/index.js';
import { InvalidField, PoseidonError } from '../errors/index.js';
import { saveCredentials } from './credentials.js';
import { urlListFlag } from './flags.js';
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

/** An http:// URL given for a manager that speaks TLS there (managers serve https only). */
class HttpsOnly extends PoseidonError {
  constructor(url: string, https: string) {
    super(
      'invalid_request',
      `the manager at ${url} speaks https, not http: use ${https} (with --ca FILE, the manager's <data-dir>/ca.crt)`,
    );
  }
}

/**
 * Whether a call to an http:// URL failed because a TLS server is there: it closed the connection
 * on the plain request (ECONNRESET), and a TLS handshake with it succeeds. One more connection,
 * made only when the login has failed that way.
 */
async function speaksTlsInstead(err: unknown): Promise<string | undefined> {
  if (!(err instanceof ServerUnreachable) || (err.cause as { code?: unknown } | undefined)?.code !== 'ECONNRESET')
    return undefined;
  const url = new URL(err.url);
  if (url.protocol !== 'http:') return undefined;
  const { connect } = await import('node:tls');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port === '' ? 80 : url.port);
  const tls = await new Promise<boolean>((resolve) => {
    // nothing is sent: a completed handshake is the answer, whoever's certificate it shows
    const socket = connect({ host, port, rejectUnauthorized: false }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.setTimeout(TLS_PROBE_MS, () => socket.destroy());
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
  return tls ? `https://${url.host}` : undefined;
}

/** How long the look for a TLS server behind a refused http:// login may take. */
const TLS_PROBE_MS = 3_000;

/**
 * `poseidon login URL --token T [--ca FILE]`: checks the credentials against the manager, then
 * saves them (0600) so later commands need neither flags nor environment.
 */
export async function login(url: string, flags: LoginFlags): Promise<void> {
  const manager = urlListFlag('URL', url);
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
    const https = await speaksTlsInstead(err);
    if (https !== undefined) throw new HttpsOnly((err as ServerUnreachable).url, https);
    throw err;
  }
  const path = saveCredentials({ manager, token, ...(ca === undefined ? {} : { ca }) });
  const name = me.name === '' ? '' : ` (${me.name})`;
  process.stdout.write(`logged in to ${manager} with token ${me.id}${name}, scope ${me.scope}; saved to ${path}\n`);
}
