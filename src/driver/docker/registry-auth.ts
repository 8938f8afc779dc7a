import { readFileSync, statSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { InvalidField } from '../../errors/index.js';
import { compile } from '../../task/index.js';

// The registry credentials a worker pulls with: the docker CLI's config.json (what `docker login`
// writes), read on the worker's host. They never leave it: the manager neither sees nor stores
// them, and nothing logs them. The file is read again when it changes, so rotated credentials
// (a registry token that lasts hours) apply from the next pull without a restart.

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

/** The credentials of `image`'s registry in a parsed config.json, if it has them. */
export function authFor(config: DockerConfig, image: string): PullAuth | undefined {
  const registry = registryOf(image);
  const keys = registry === 'docker.io' ? DOCKER_HUB_KEYS : [registry];
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    const host = hostOfKey(key);
    if (!keys.some((k) => hostOfKey(k) === host)) continue;
    const auth = entryAuth(entry, registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry);
    if (auth !== undefined) return auth;
  }
  return undefined;
}

/** A config.json on the worker's host, read again whenever it changes. */
export class RegistryAuth {
  #read: { mtimeMs: number; size: number; config: DockerConfig } | undefined;

  /**
   * `warn` hears of a file that cannot be read or used (once per change), and of credential
   * helpers, which a worker does not run: their registries are pulled from without credentials.
   */
  constructor(
    readonly path: string,
    private readonly warn: (fields: object, msg: string) => void,
  ) {}

  /** Reads the file now; throws InvalidField naming `flag` when it is missing or not a config.json. */
  check(flag: string): void {
    let st;
    let text: string;
    try {
      st = statSync(this.path);
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      throw new InvalidField(flag, `cannot read ${this.path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    this.#take(st, parseDockerConfig(`${flag} ${this.path}`, text));
  }

  /** The credentials for pulling `image`, from the file as it is now; undefined without any. */
  forImage(image: string): PullAuth | undefined {
    const config = this.#current();
    return config === undefined ? undefined : authFor(config, image);
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

  /** Keeps what was read, as of the file's state it was read at; warns of its credential helpers. */
  #take(st: { mtimeMs: number; size: number }, config: DockerConfig): DockerConfig {
    this.#helpers(config);
    this.#read = { mtimeMs: st.mtimeMs, size: st.size, config };
    return config;
  }

  #helpers(config: DockerConfig): void {
    const helpers = [
      ...(config.credsStore === undefined ? [] : ['credsStore']),
      ...Object.keys(config.credHelpers ?? {}),
    ];
    if (helpers.length > 0)
      this.warn(
        { path: this.path, helpers },
        'credential helpers are not run by the worker: write the credentials into the file (auths) for its pulls',
      );
  }
}
