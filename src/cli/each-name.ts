// Commands that take several names (`secret rm a b`, `volume rm a b`), as docker's do: each in
// turn, and one that fails does not stop the rest.

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

/** `fn` for each name, in turn; a failure is printed (as the CLI prints one) and sets exit status 1. */
export async function eachOf<T>(names: readonly string[], io: Output, fn: (name: string) => Promise<T>): Promise<T[]> {
  const done: T[] = [];
  for (const name of names) {
    try {
      done.push(await fn(name));
    } catch (err) {
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
