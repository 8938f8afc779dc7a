// Commands that take several names (`secret rm a b`, `volume rm a b`), as docker's do: each in
// turn, and one that fails does not stop the rest, unless what failed is no name's: the manager
// cannot be reached or refuses the credentials. That is said once, and the command ends with it.

import { toJson } from './terminal-text.js';

/** Where a command prints: stdout and stderr, unless a test captures them. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const STDIO: Output = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/**
 * Codes of a failure that is the manager's or the credentials', not the name's: the next name would
 * meet it too (src/errors/codes.ts; here as words, so the CLI does not load the errors' schemas).
 */
const NOT_THE_NAMES = new Set([
  'unreachable',
  'server_stopping',
  'no_leader',
  'not_leader',
  'store_unavailable',
  'unauthenticated',
  'forbidden',
]);

/** `err` is no name's failure: the manager is away, speaks https to an http:// URL, or refused the token. */
export function notTheNames(err: unknown): boolean {
  const { code, httpsUrl } = (err ?? {}) as { code?: unknown; httpsUrl?: unknown };
  return (typeof code === 'string' && NOT_THE_NAMES.has(code)) || typeof httpsUrl === 'string';
}

/**
 * `fn` for each name, in turn; a failure is printed (as the CLI prints one) and sets exit status 1.
 * A failure that is no name's ends it: thrown, for the CLI to say once.
 */
export async function eachOf<T>(names: readonly string[], io: Output, fn: (name: string) => Promise<T>): Promise<T[]> {
  const done: T[] = [];
  for (const name of names) {
    try {
      done.push(await fn(name));
    } catch (err) {
      if (notTheNames(err)) throw err;
      const { errorLine } = await import('./error-line.js');
      const line = await errorLine(err);
      if (line === undefined) throw err; // a bug: its stack
      io.err(line);
      process.exitCode = 1;
    }
  }
  return done;
}

/**
 * What --json prints for the views `eachOf` found of `names`: the view alone for one name (as
 * before several were taken), one JSON array for several, as docker's inspect prints them; nothing
 * for one name that was not found (its error is said).
 */
export function jsonOfEach(names: readonly string[], views: readonly unknown[]): string {
  if (names.length > 1) return `${toJson(views)}\n`;
  return views[0] === undefined ? '' : `${toJson(views[0])}\n`;
}
