import { readFileSync } from 'node:fs';
import { ManagerClient, managerUrls } from '../client/index.js';
import { InvalidField } from '../errors/index.js';
import { fsProblem } from '../files/index.js';
import {
  loadCredentials,
  credentialsPath,
  noteDefaultManager,
  noteUnusedLogin,
  type SavedCredentials,
} from './credentials.js';
import { DEFAULT_MANAGER_URL } from './defaults.js';

/** The flags of every command that talks to the Manager API. */
export interface ClientFlags {
  manager?: string;
  token?: string;
  ca?: string;
}

/** A value and where it came from, for messages that name it. */
interface Sourced {
  value: string;
  from: string;
}

function pick(
  flag: string,
  flagValue: string | undefined,
  envName: string,
  saved: string | undefined,
): Sourced | undefined {
  if (flagValue !== undefined) return { value: flagValue, from: flag };
  const env = process.env[envName];
  if (env !== undefined && env !== '') return { value: env, from: envName };
  return saved === undefined ? undefined : { value: saved, from: credentialsPath() };
}

/**
 * The Manager API with the caller's credentials. Each of the manager's URL, the token and the CA
 * comes from its flag (--manager, --token, --ca), else the environment (POSEIDON_MANAGER,
 * POSEIDON_TOKEN, POSEIDON_CA), else the file `poseidon login` saved; the file's token and CA
 * are only sent to the managers they were saved for (any of a group's), never to another one a
 * flag names.
 */
export function managerClient(flags: ClientFlags, timeoutMs?: number): ManagerClient {
  const file = loadCredentials();
  const where = pick('--manager', flags.manager, 'POSEIDON_MANAGER', file?.manager);
  const url = where === undefined ? DEFAULT_MANAGER_URL : managerUrls(where.from, where.value);
  noteDefaultManager(where === undefined ? url : undefined);
  const saved: SavedCredentials | undefined = file !== undefined && savedFor(file.manager, url) ? file : undefined;
  const token = pick('--token', flags.token, 'POSEIDON_TOKEN', saved?.token)?.value.trim();
  const ca = pick('--ca', flags.ca, 'POSEIDON_CA', saved?.ca);
  // the file would have given what is missing, but it is for other managers: a refusal says so
  if (file !== undefined && saved === undefined && where !== undefined && (token === undefined || ca === undefined))
    noteUnusedLogin({ savedFor: file.manager, named: url, from: where.from });
  return new ManagerClient(url, timeoutMs, {
    ...(token === undefined || token === '' ? {} : { token }),
    ...(ca === undefined ? {} : { tls: { ca: readCa(ca) } }),
  });
}

/**
 * Whether credentials saved for `saved` (one manager, or a group's list) may go to `named`: every
 * manager it names is one they were saved for (a group's login serves a call to one of its
 * managers), and never one they were not. Both are read as managerUrls reads them, so a file that
 * says `10.0.0.5` is for `https://10.0.0.5:5555`.
 */
export function savedFor(saved: string, named: string): boolean {
  try {
    const urls = (list: string): string[] => managerUrls('manager', list).split(',');
    const known = new Set(urls(saved));
    return urls(named).every((u) => known.has(u));
  } catch {
    return false;
  }
}

/**
 * The CA certificate's PEM; a file that cannot be read, or holds no certificate (where the refusal
 * read as the manager's certificate not being the CA's), names the flag, variable or file it came from.
 */
export function readCa(ca: Sourced): string {
  let pem: string;
  try {
    pem = readFileSync(ca.value, 'utf8');
  } catch (err) {
    throw new InvalidField(ca.from, `names ${ca.value}, which cannot be read: ${fsProblem(err)}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new InvalidField(
      ca.from,
      `names ${ca.value}, which holds no PEM certificate; give the cluster's CA certificate (the manager's ` +
        '<data-dir>/ca.crt)',
    );
  return pem;
}
