/** What to do when the manager refused the credentials, said after its own words. */
const REFUSAL_HINTS: Readonly<Record<string, string>> = {
  unauthenticated: 'run `poseidon login URL --token TOKEN`, or pass --token',
  forbidden: 'use a token with that scope (an admin makes one: poseidon token create --scope SCOPE)',
};

/** What to do when the manager's certificate is not of the CA the CLI was given (or none was). */
const CA_HINT =
  "give the cluster's CA certificate with --ca FILE or POSEIDON_CA (the manager's <data-dir>/ca.crt); " +
  'poseidon login URL --token TOKEN --ca FILE saves it';

/**
 * The line the CLI prints for an expected failure (`poseidon: no task matches "ffffffff"`), with
 * what to do after a refusal; undefined for anything else, which is a bug and keeps its stack.
 */
export async function errorLine(err: unknown): Promise<string | undefined> {
  // loaded here, not up front: an action that failed has loaded them already
  const { PoseidonError, RemoteError } = await import('../errors/index.js');
  const { printable } = await import('./terminal-text.js');
  if (!(err instanceof PoseidonError)) return undefined;
  const { unusedLoginHint } = await import('./credentials.js');
  const otherCa = (err as { otherCa?: unknown }).otherCa === true;
  const refused = err instanceof RemoteError && err.code === 'unauthenticated';
  // the saved credentials were for other managers: that, not the general advice, is what to fix
  const unused = otherCa || refused ? unusedLoginHint() : undefined;
  const hint = unused ?? (err instanceof RemoteError ? REFUSAL_HINTS[err.code] : undefined);
  // it may quote what a server or file said
  const message = printable(err.message);
  if (otherCa) return `poseidon: ${message}: ${unused ?? CA_HINT}\n`;
  return `poseidon: ${hint === undefined ? message : `${err.status}: ${message}: ${hint}`}\n`;
}
