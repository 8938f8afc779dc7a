/** What to do when the manager refused the credentials, said after its own words. */
const REFUSAL_HINTS: Readonly<Record<string, string>> = {
  unauthenticated: 'run `poseidon login URL --token TOKEN`, or pass --token',
  forbidden: 'use a token with that scope (an admin makes one: poseidon token create --scope SCOPE)',
};

/**
 * The line the CLI prints for an expected failure (`poseidon: no task matches "ffffffff"`), with
 * what to do after a refusal; undefined for anything else, which is a bug and keeps its stack.
 */
export async function errorLine(err: unknown): Promise<string | undefined> {
  // loaded here, not up front: an action that failed has loaded them already
  const { PoseidonError, RemoteError } = await import('../errors/index.js');
  const { printable } = await import('./terminal-text.js');
  if (!(err instanceof PoseidonError)) return undefined;
  const hint = err instanceof RemoteError ? REFUSAL_HINTS[err.code] : undefined;
  // it may quote what a server or file said
  const message = printable(err.message);
  return `poseidon: ${hint === undefined ? message : `${err.status}: ${message}: ${hint}`}\n`;
}
