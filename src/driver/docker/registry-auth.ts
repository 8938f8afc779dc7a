import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { InvalidField } from '../../errors/index.js';
import { fsProblem } from '../../files/index.js';
import { compile } from '../../task/index.js';

// The registry credentials a worker pulls with: the docker CLI's config.json (what `docker login`
// writes), read on the worker's host. They never leave it: the manager neither sees nor stores
// them, and nothing logs them. The file is read again when it changes, so rotated credentials
// (a registry token that lasts hours) apply from the next pull without a restart. A registry the
// file gives a credential helper (`credHelpers`, else `credsStore`: ECR's, gcloud's, pass) gets
// what that helper answers at each pull, as the docker CLI asks it.

const AuthEntry = Type.Object(
  {
    auth: Type.Optional(Type.String({ maxLength: 16_384 })),
    username: Type.Optional(Type.String({ maxLength: 4096 })),
    password: Type.Optional(Type.String({ maxLength: 16_384 })),
    identitytoken: Type.Optional(Type.String({ maxLength: 16_384 })),
    registrytoken: Type.Optional(Type.String({ maxLength: 16_384 })),
  },
  { additionalProperties: true },
);
const DockerConfig = Type.Object(
  {
    auths: Type.Optional(Type.Record(Type.String({ maxLength: 1024 }), AuthEntry)),
    credsStore: Type.Optional(Type.String()),
    credHelpers: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  // the docker CLI keeps other settings in the same file (proxies, plugins): not ours to judge
  { additionalProperties: true },
);
type DockerConfig = Static<typeof DockerConfig>;
const validate = compile(DockerConfig);

/** What the Engine API's X-Registry-Auth carries for one pull (dockerode's authconfig). */
export interface PullAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
  serveraddress: string;
}

/** Docker Hub's names in a config.json (the docker CLI writes the first). */
const DOCKER_HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

/**
 * The registry an image reference names, as Docker reads it: its first part when that has a
 * `.` or a `:` or is `localhost` (`registry.example.com/team/app`, `127.0.0.1:5000/app`), else
 * Docker Hub (`docker.io`).
 */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

/** A config.json key as a registry's host[:port]: no scheme, no path ("https://ghcr.io/v2/" is ghcr.io). */
function hostOfKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

/** The credentials in a config.json's entry, or undefined when it holds none. */
function entryAuth(entry: Static<typeof AuthEntry>, serveraddress: string): PullAuth | undefined {
  if (entry.identitytoken !== undefined && entry.identitytoken !== '')
    return { identitytoken: entry.identitytoken, serveraddress };
  if (entry.registrytoken !== undefined && entry.registrytoken !== '')
    return { registrytoken: entry.registrytoken, serveraddress };
  if (entry.username !== undefined && entry.password !== undefined)
    return { username: entry.username, password: entry.password, serveraddress };
  if (entry.auth === undefined || entry.auth === '') return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress };
}

/** Parses a config.json's text; throws InvalidField naming `field` (the flag, or the file) when it is not one. */
export function parseDockerConfig(field: string, text: string): DockerConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidField(field, `is not JSON (${(err as Error).message}); use a docker config.json`);
  }
  return validate.parse(value, field);
}

/** The keys a config.json may file `registry`'s entries under, and the server address a pull and a helper name. */
function keysOf(registry: string): { keys: string[]; server: string } {
  return registry === 'docker.io'
    ? { keys: DOCKER_HUB_KEYS, server: 'https://index.docker.io/v1/' }
    : { keys: [registry], server: registry };
}

/** Whether a config.json key names one of `keys`' registries. */
function matches(key: string, keys: readonly string[]): boolean {
  const host = hostOfKey(key);
  return keys.some((k) => hostOfKey(k) === host);
}

/** The credentials of `image`'s registry in a parsed config.json's `auths`, if it has them. */
export function authFor(config: DockerConfig, image: string): PullAuth | undefined {
  const { keys, server } = keysOf(registryOf(image));
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!matches(key, keys)) continue;
    const auth = entryAuth(entry, server);
    if (auth !== undefined) return auth;
  }
  return undefined;
}

/** The credential helper a config.json gives `image`'s registry: its own (`credHelpers`), else `credsStore`. */
export function helperFor(config: DockerConfig, image: string): string | undefined {
  const { keys } = keysOf(registryOf(image));
  for (const [key, helper] of Object.entries(config.credHelpers ?? {})) if (matches(key, keys)) return helper;
  return config.credsStore === undefined || config.credsStore === '' ? undefined : config.credsStore;
}

/** What a credential helper answers `get` with (the docker-credential-helpers protocol). */
export interface HelperCredentials {
  Username: string;
  Secret: string;
}

/** Runs `docker-credential-<helper> get` with `server` on its stdin: its answer, or undefined when it has none. */
export type RunHelper = (helper: string, server: string) => Promise<HelperCredentials | undefined>;

/** A helper's name as the docker CLI takes it: the part after `docker-credential-`, no path. */
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** How long a helper may take (ECR's asks AWS for a token). */
const HELPER_TIMEOUT_MS = 15_000;

/**
 * A credential helper could not be run, or answered what is not credentials: the pull fails, and
 * the start with it (ImageUnavailable), saying so.
 */
export class CredentialHelperFailed extends Error {
  constructor(helper: string, server: string, detail: string) {
    super(`credential helper docker-credential-${helper} failed for ${server}: ${detail}`);
    this.name = 'CredentialHelperFailed';
  }
}

/** Runs the helper from the worker's PATH, as the docker CLI does. */
export const runHelper: RunHelper = (helper, server) =>
  new Promise((resolve, reject) => {
    if (!HELPER_NAME.test(helper)) {
      reject(new CredentialHelperFailed(helper, server, 'not a helper name'));
      return;
    }
    const child = execFile(
      `docker-credential-${helper}`,
      ['get'],
      { timeout: HELPER_TIMEOUT_MS, maxBuffer: 64 * 1024 },
      (err, stdout, stderr) => {
        const said = `${String(stdout)} ${String(stderr)}`.trim();
        // what every helper says of a registry it holds nothing for (credentials.ErrCredentialsNotFound)
        if (err !== null && /credentials not found/i.test(said)) resolve(undefined);
        else if (err !== null) {
          const code = (err as NodeJS.ErrnoException).code;
          const detail =
            code === 'ENOENT'
              ? `docker-credential-${helper} is not on the worker's PATH`
              : err.killed
                ? `no answer within ${HELPER_TIMEOUT_MS / 1000} s`
                : said.slice(0, 300) || err.message;
          reject(new CredentialHelperFailed(helper, server, detail));
        } else {
          try {
            resolve(helperAnswer(helper, server, String(stdout)));
          } catch (e) {
            reject(e as Error);
          }
        }
      },
    );
    child.stdin?.on('error', () => undefined); // a helper that exits before reading: its exit says why
    child.stdin?.end(server);
  });

function helperAnswer(helper: string, server: string, text: string): HelperCredentials {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CredentialHelperFailed(helper, server, 'its answer is not JSON');
  }
  const v = value as Partial<Record<string, unknown>>;
  if (typeof v['Username'] !== 'string' || typeof v['Secret'] !== 'string')
    throw new CredentialHelperFailed(helper, server, 'its answer lacks Username or Secret');
  return { Username: v['Username'], Secret: v['Secret'] };
}

/** A helper's answer as a pull sends it: `<token>` as the user name means an identity token, as Docker reads it. */
function helperAuth(c: HelperCredentials, serveraddress: string): PullAuth | undefined {
  if (c.Secret === '') return undefined;
  return c.Username === '<token>'
    ? { identitytoken: c.Secret, serveraddress }
    : { username: c.Username, password: c.Secret, serveraddress };
}

/** A config.json on the worker's host, read again whenever it changes. */
export class RegistryAuth {
  #read: { mtimeMs: number; size: number; config: DockerConfig } | undefined;

  /**
   * `warn` hears of a file that cannot be read or used (once per change). `run` runs a credential
   * helper (a test's own; the one on the worker's PATH otherwise).
   */
  constructor(
    readonly path: string,
    private readonly warn: (fields: object, msg: string) => void,
    private readonly run: RunHelper = runHelper,
  ) {}

  /** Reads the file now; throws InvalidField naming `flag` when it is missing or not a config.json. */
  check(flag: string): void {
    let st;
    let text: string;
    try {
      st = statSync(this.path);
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      throw new InvalidField(flag, `cannot read ${this.path}: ${fsProblem(err)}`);
    }
    this.#take(st, parseDockerConfig(`${flag} ${this.path}`, text));
  }

  /**
   * The credentials for pulling `image`, from the file as it is now: those its registry's helper
   * answers, when the file gives it one, else its `auths` entry; undefined without any. Throws
   * CredentialHelperFailed when the helper cannot be run, as the docker CLI's pull fails then.
   */
  async forImage(image: string): Promise<PullAuth | undefined> {
    const config = this.#current();
    if (config === undefined) return undefined;
    const helper = helperFor(config, image);
    if (helper !== undefined) {
      const { server } = keysOf(registryOf(image));
      const answer = await this.run(helper, server);
      const auth = answer === undefined ? undefined : helperAuth(answer, server);
      if (auth !== undefined) return auth;
    }
    return authFor(config, image);
  }

  #current(): DockerConfig | undefined {
    let st;
    try {
      st = statSync(this.path);
    } catch {
      this.#read = undefined; // gone: no credentials (a file that comes back is read again)
      return undefined;
    }
    if (this.#read !== undefined && this.#read.mtimeMs === st.mtimeMs && this.#read.size === st.size)
      return this.#read.config;
    try {
      return this.#take(st, parseDockerConfig(this.path, readFileSync(this.path, 'utf8')));
    } catch (err) {
      this.warn({ path: this.path, reason: (err as Error).message }, 'registry credentials cannot be used');
      this.#read = { mtimeMs: st.mtimeMs, size: st.size, config: {} };
      return undefined;
    }
  }

  /** Keeps what was read, as of the file's state it was read at. */
  #take(st: { mtimeMs: number; size: number }, config: DockerConfig): DockerConfig {
    this.#read = { mtimeMs: st.mtimeMs, size: st.size, config };
    return config;
  }
}
