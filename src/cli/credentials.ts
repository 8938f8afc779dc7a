import { chmodSync, mkdirSync, openSync, closeSync, fsyncSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { InvalidField } from '../errors/index.js';
import { fsFault } from '../files/index.js';

// The CLI's saved credentials: which manager to talk to, with which API token, trusting which CA.
// `poseidon login` and `poseidon dev` write them; every client command reads them when neither a
// flag nor the environment says otherwise. The file holds a secret, so it is the user's alone.

export interface SavedCredentials {
  /** The manager's URL, as http(s)://host:port. */
  manager: string;
  token?: string;
  /** Absolute path of the cluster's CA certificate (PEM). */
  ca?: string;
}

/** `$XDG_CONFIG_HOME/poseidon/config.json`, else `~/.config/poseidon/config.json`. */
export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  // the XDG spec: a relative path is invalid and should be ignored
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.config');
  return join(base, 'poseidon', 'config.json');
}

/** What the file holds; undefined when there is none. A file that is not credentials is an error naming it. */
export function loadCredentials(path = credentialsPath()): SavedCredentials | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InvalidField(path, `cannot be read (${fsFault(err)}); fix it or run poseidon login again`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const c = parsed as Partial<Record<keyof SavedCredentials, unknown>> | undefined;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.manager !== 'string' ||
    (c.token !== undefined && typeof c.token !== 'string') ||
    (c.ca !== undefined && typeof c.ca !== 'string')
  ) {
    throw new InvalidField(path, 'is not a credentials file ({"manager","token","ca"}); run poseidon login again');
  }
  return {
    manager: c.manager,
    ...(c.token === undefined ? {} : { token: c.token as string }),
    ...(c.ca === undefined ? {} : { ca: c.ca as string }),
  };
}

/**
 * Saves the credentials for later commands (`poseidon login`, `poseidon dev`); returns the file's
 * path. The file is written whole or not at all and readable by its owner only (0600), in a
 * directory only they can enter.
 */
export function saveCredentials(credentials: SavedCredentials, path = credentialsPath()): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    chmodSync(temporary, 0o600); // a leftover temporary file keeps its mode through open()
    writeSync(fd, `${JSON.stringify(credentials, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  return path;
}

/** Saved credentials a command did not use: they are for other managers than the ones it calls. */
export interface UnusedLogin {
  /** The managers the file names. */
  savedFor: string;
  /** The managers the command calls, and the flag or variable that named them. */
  named: string;
  from: string;
}

let unusedLogin: UnusedLogin | undefined;

/** The command left the saved credentials aside (managerClient): a refusal it meets then says why. */
export function noteUnusedLogin(unused: UnusedLogin | undefined): void {
  unusedLogin = unused;
}

/** What a refusal of the credentials should add, when the saved ones were left aside; undefined otherwise. */
export function unusedLoginHint(): string | undefined {
  if (unusedLogin === undefined) return undefined;
  const { savedFor, named, from } = unusedLogin;
  return (
    `the credentials poseidon login saved are for ${savedFor}, not ${named} (${from}): ` +
    "run poseidon login with the managers you call (a group's comma-separated), or pass --token and --ca"
  );
}

let defaultManager: string | undefined;

/**
 * The command calls `url` because nothing named a manager (no --manager, POSEIDON_MANAGER or
 * saved login; managerClient): if it cannot be reached, that is likely why. undefined: one was named.
 */
export function noteDefaultManager(url: string | undefined): void {
  defaultManager = url;
}

/** What an unreachable manager should add when it was only the default; undefined otherwise. */
export function defaultManagerHint(): string | undefined {
  if (defaultManager === undefined) return undefined;
  return (
    `no manager was named, so ${defaultManager} was tried: poseidon login URL --token TOKEN --ca FILE ` +
    'saves one, or pass --manager or set POSEIDON_MANAGER'
  );
}
