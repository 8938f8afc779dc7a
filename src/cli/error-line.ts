/** What to do when the manager refused the credentials, said after its own words. */
const REFUSAL_HINTS: Readonly<Record<string, string>> = {
  unauthenticated: 'run `poseidon login URL --token TOKEN`, or pass --token',
  forbidden: 'use a token whose scope allows it (an admin makes one: poseidon token create --scope SCOPE)',
};

/** The scope a 403 names as needed (`it needs a token with scope deploy or above`, src/http/access-guard.ts). */
const NEEDED_SCOPE = /needs a token with scope (read|deploy|admin)\b/;

/** What to do when the manager's certificate is not of the CA the CLI was given (or none was). */
const CA_HINT =
  "give the cluster's CA certificate with --ca FILE or POSEIDON_CA (the manager's <data-dir>/ca.crt); " +
  'poseidon login URL --token TOKEN --ca FILE saves it';

/** After "use https://…": what else that takes. */
const HTTPS_CA_HINT = "(with --ca FILE, the manager's <data-dir>/ca.crt)";

/**
 * The line the CLI prints for an expected failure (`poseidon: no task matches "ffffffff"`), with
 * what to do after a refusal; undefined for anything else, which is a bug and keeps its stack.
 */
export async function errorLine(err: unknown): Promise<string | undefined> {
  // loaded here, not up front: an action that failed has loaded them already
  const { PoseidonError, RemoteError } = await import('../errors/index.js');
  const { printable } = await import('./terminal-text.js');
  const listen = listenFailure(err);
  if (listen !== undefined) return `poseidon: ${printable(listen)}\n`;
  if (!(err instanceof PoseidonError)) return undefined;
  const { defaultManagerHint, unusedLoginHint } = await import('./credentials.js');
  const otherCa = (err as { otherCa?: unknown }).otherCa === true;
  const refused = err instanceof RemoteError && err.code === 'unauthenticated';
  // the saved credentials were for other managers: that, not the general advice, is what to fix
  const unused = otherCa || refused ? unusedLoginHint() : undefined;
  const hint = unused ?? (err instanceof RemoteError ? REFUSAL_HINTS[err.code] : undefined);
  // it may quote what a server or file said
  const message = printable(err.message);
  if (otherCa) return `poseidon: ${message}: ${unused ?? CA_HINT}\n`;
  // an http:// URL for a manager that speaks https (ServerSpeaksHttps): its https:// URL needs the CA
  const { url, httpsUrl } = err as { url?: unknown; httpsUrl?: unknown };
  if (typeof url === 'string' && typeof httpsUrl === 'string')
    return `poseidon: ${printable(`the manager at ${url} speaks https, not http: use ${httpsUrl}`)} ${HTTPS_CA_HINT}\n`;
  const unnamed = err.code === 'unreachable' ? defaultManagerHint() : undefined;
  if (unnamed !== undefined) return `poseidon: ${message} (${unnamed})\n`;
  // the manager's words already say which scope: the advice is only who makes such a token, and how
  const scope = err instanceof RemoteError && err.code === 'forbidden' ? NEEDED_SCOPE.exec(message)?.[1] : undefined;
  if (scope !== undefined)
    return `poseidon: ${err.status}: ${message}; an admin makes one: poseidon token create --scope ${scope}\n`;
  return `poseidon: ${hint === undefined ? message : `${err.status}: ${message}: ${hint}`}\n`;
}

/**
 * A server of this process could not listen (`manager`, `worker`, `dev`): the address is taken, or
 * not this user's to take. Expected, so one line that says what to do, not a stack.
 */
function listenFailure(err: unknown): string | undefined {
  const e = err as { code?: unknown; syscall?: unknown; address?: unknown; port?: unknown } | null;
  if (typeof e !== 'object' || e === null || (e.syscall !== 'listen' && e.syscall !== 'bind')) return undefined;
  const at = `${typeof e.address === 'string' ? e.address : ''}:${typeof e.port === 'number' ? e.port : '?'}`;
  if (e.code === 'EADDRINUSE')
    return (
      `cannot listen on ${at}: something else listens there (another poseidon?); stop it or choose ` +
      'another port (--port, --worker-port, --dns-port)'
    );
  if (e.code === 'EACCES')
    return `cannot listen on ${at}: a port under 1024 needs root (or CAP_NET_BIND_SERVICE); choose a port from 1024`;
  if (e.code === 'EADDRNOTAVAIL') return `cannot listen on ${at}: no interface of this host has that address`;
  return undefined;
}
