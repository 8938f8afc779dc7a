import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { fsProblem } from '../files/index.js';
import { MAX_FILE_BYTES } from '../task/file-limits.js';
import { STACK_LABEL } from '../api/stack-label.js';
import { FILE_NAME_PATTERN, filePath, type FileKind, type FileRefSpec } from '../task/index.js';
import { composeLabels } from './labels.js';
import { COMPOSE_KEYS } from './spec-keys.js';
import {
  asBoolean,
  asInteger,
  asList,
  asMap,
  asScalarText,
  asString,
  composeError,
  fieldPath,
  shown,
  type ComposeMap,
  type Findings,
} from './values.js';

// Secrets and configs. The top-level `secrets:` and `configs:` keys declare them: a value from a
// file (relative to the Compose file's directory), from a variable of the deploying shell
// (`environment: VAR`), or, for a config, written in the file (`content:`), which the deploy
// creates as `<stack>-<key>` unless the declaration names it (`name:`); or `external: true`, one
// that exists already (named `name:`, else its key). A service's `secrets:` and `configs:` mount
// them, in the short syntax (the key) or the long one ({source, target, uid, gid, mode}): by
// default a secret at /run/secrets/<key>, a config at /<key>, as Compose mounts them.

/** A secret or config the stack's services mount: the deploy creates it, or checks an external one exists. */
export interface StackFile {
  kind: FileKind;
  /** Its key under the top-level `secrets:` or `configs:` (the path errors name). */
  key: string;
  /** Its name on the manager. */
  name: string;
  /** Created elsewhere: the deploy only checks that it exists. */
  external: boolean;
  /** The value to create it with (not for an external one). */
  value?: Buffer;
  /** Its labels (the stack's among them); not for an external one. */
  labels?: Record<string, string>;
}

/** Where a declaration's value comes from. */
type ValueSource = { file: string } | { environment: string } | { content: string };

interface Declared {
  /** Its name on the manager; one the stack makes without `name:` gets its value's hash after it. */
  name: string;
  /** Named by the file (`name:`) or external: the name as it is. */
  named: boolean;
  external: boolean;
  source?: ValueSource;
  labels: Record<string, string>;
}

/** What reads a secret's or config's file: at most `limit` bytes of it (any more are not read). */
export type ReadBytes = (path: string, limit: number) => Buffer;

/** Where values are read from: the Compose file's directory, the deploying shell's variables, the reader. */
export interface ValueReader {
  baseDir: string;
  hostEnv: Readonly<Record<string, string | undefined>>;
  readBytes: ReadBytes;
}

/**
 * The declarations of one kind (`secrets:` or `configs:`), and which of them the services use.
 * One the stack makes without a `name:` is named after its value: `<stack>-<key>-<10 hex digits
 * of its SHA-256>`. A value never changes on the manager, so a new value is a new name, and the
 * services that mount it get a new version and roll out to it; the deploy removes the stack's
 * older ones once nothing uses them.
 */
export class FileDeclarations {
  readonly #used = new Map<string, StackFile>();

  constructor(
    readonly kind: FileKind,
    readonly declared: ReadonlyMap<string, Declared>,
    private readonly reader: ValueReader,
  ) {}

  /** The one a service mounts, by its key: read (once) and named. */
  use(key: string): StackFile | undefined {
    const known = this.#used.get(key);
    if (known !== undefined) return known;
    const d = this.declared.get(key);
    if (d === undefined) return undefined;
    const file: StackFile = { kind: this.kind, key, name: d.name, external: d.external };
    if (d.source !== undefined) {
      const { baseDir, hostEnv, readBytes } = this.reader;
      file.value = valueOf(d.source, fieldPath(`${this.kind}s`, key), this.kind, baseDir, hostEnv, readBytes);
      file.labels = d.labels;
      if (!d.named) file.name = `${d.name}-${createHash('sha256').update(file.value).digest('hex').slice(0, 10)}`;
    }
    this.#used.set(key, file);
    return file;
  }

  /** The secrets or configs the services used, in the order the file declares them, with their values. */
  files(): StackFile[] {
    return [...this.declared.keys()].flatMap((key) => this.#used.get(key) ?? []);
  }
}

const NAME = new RegExp(FILE_NAME_PATTERN);
const NAME_RULE = 'a name of letters, digits and "_", ".", "-" (up to 128), starting and ending with a letter or digit';
const DECLARATION_KEYS: Readonly<Record<FileKind, ReadonlySet<string>>> = {
  secret: new Set(['file', 'environment', 'external', 'name', 'labels', 'driver', 'driver_opts', 'template_driver']),
  config: new Set(['file', 'environment', 'content', 'external', 'name', 'labels', 'template_driver']),
};
const SOURCE_KEYS: Readonly<Record<FileKind, readonly string[]>> = {
  secret: ['file', 'environment'],
  config: ['file', 'environment', 'content'],
};
const LONG_KEYS = new Set(['source', 'target', 'uid', 'gid', 'mode']);

/** The top-level `secrets:` or `configs:` key: each one's name on the manager and where its value comes from. */
export function declaredFiles(
  value: unknown,
  kind: FileKind,
  stack: string,
  found: Findings,
  reader: ValueReader,
): FileDeclarations {
  const top = `${kind}s`;
  const declared = new Map<string, Declared>();
  if (value === undefined || value === null) return new FileDeclarations(kind, declared, reader);
  for (const [key, decl] of Object.entries(asMap(value, top))) {
    const path = fieldPath(top, key);
    const map: ComposeMap = decl === null ? {} : asMap(decl, path);
    found.unknownKeys(map, path, DECLARATION_KEYS[kind], COMPOSE_KEYS[kind]);
    for (const k of ['driver', 'driver_opts', 'template_driver'])
      if (map[k] !== undefined) found.unsupported.push(fieldPath(path, k));
    const external = map['external'] === undefined ? false : asBoolean(map['external'], fieldPath(path, 'external'));
    const named = map['name'] === undefined ? undefined : asString(map['name'], fieldPath(path, 'name'));
    const sources = SOURCE_KEYS[kind].filter((k) => map[k] !== undefined);
    const labels = map['labels'] === undefined ? {} : composeLabels(map['labels'], fieldPath(path, 'labels'));
    if (external && sources.length > 0)
      throw composeError(path, `is external (it exists already): give no ${sources.join(' or ')}`);
    if (!external && sources.length !== 1) {
      const ways =
        kind === 'secret' ? 'file: PATH or environment: VAR' : 'file: PATH, environment: VAR or content: TEXT';
      throw composeError(
        path,
        sources.length === 0
          ? `needs its value: ${ways}; or external: true for a ${kind} that exists already`
          : `gives ${sources.join(' and ')}; give one`,
      );
    }
    const name = named ?? (external ? key : `${stack}-${key}`);
    // room for the value's hash after a name the stack makes
    if (!NAME.test(named === undefined && !external ? `${name}-0123456789` : name))
      throw composeError(
        named === undefined ? path : fieldPath(path, 'name'),
        named === undefined && !external
          ? `makes the ${kind} name ${shown(name)}-<hash> (<stack>-<key>-<hash>), which is not ${NAME_RULE}; ` +
              'name it (name:)'
          : `is ${shown(name)}, which is not ${NAME_RULE}`,
      );
    const source = sources[0];
    declared.set(key, {
      name,
      named: named !== undefined || external,
      external,
      ...(source === undefined ? {} : { source: sourceOf(source, map[source], fieldPath(path, source)) }),
      labels: { ...labels, [STACK_LABEL]: stack },
    });
  }
  return new FileDeclarations(kind, declared, reader);
}

function sourceOf(key: string, value: unknown, path: string): ValueSource {
  if (key === 'file') return { file: asString(value, path) };
  if (key === 'environment') return { environment: asString(value, path) };
  return { content: asScalarText(value, path) };
}

function valueOf(
  source: ValueSource,
  path: string,
  kind: FileKind,
  baseDir: string,
  hostEnv: Readonly<Record<string, string | undefined>>,
  readBytes: ReadBytes,
): Buffer {
  let value: Buffer;
  let at: string;
  if ('file' in source) {
    at = fieldPath(path, 'file');
    try {
      value = readBytes(posix.resolve(baseDir, source.file), MAX_FILE_BYTES + 1);
    } catch (err) {
      throw composeError(at, `names ${source.file}, which cannot be read: ${fsProblem(err)}`);
    }
  } else if ('environment' in source) {
    at = fieldPath(path, 'environment');
    const v = hostEnv[source.environment];
    if (v === undefined)
      throw composeError(
        at,
        `names ${source.environment}, which is not set in this shell (nor in the .env file); set it`,
      );
    value = Buffer.from(v, 'utf8');
  } else {
    at = fieldPath(path, 'content');
    value = Buffer.from(source.content, 'utf8');
  }
  if (kind === 'secret' && value.length === 0) throw composeError(at, 'gives an empty value: a secret needs one');
  if (value.length > MAX_FILE_BYTES)
    throw composeError(at, `holds more than ${MAX_FILE_BYTES} bytes (500 KiB), the most a ${kind} holds`);
  return value;
}

/**
 * A service's `secrets:` or `configs:`: each a key of the top-level declarations, as a string
 * (short syntax) or {source, target, uid, gid, mode} (long syntax), mounted by default at
 * /run/secrets/<key> (a secret) or /<key> (a config); the key, not the name on the manager.
 */
export function composeFileRefs(
  value: unknown,
  path: string,
  declarations: FileDeclarations,
  found: Findings,
): FileRefSpec[] {
  const { kind } = declarations;
  return asList(value, path).map((entry, i) => {
    const at = fieldPath(path, i);
    const map: ComposeMap = typeof entry === 'string' ? { source: entry } : asMap(entry, at);
    if (typeof entry !== 'string')
      for (const key of Object.keys(map))
        if (!LONG_KEYS.has(key) && !key.startsWith('x-'))
          throw composeError(fieldPath(at, key), `is not a key of a ${kind} (source, target, uid, gid, mode)`);
    const key = asString(map['source'], typeof entry === 'string' ? at : fieldPath(at, 'source'));
    const decl = declarations.use(key);
    if (decl === undefined)
      throw composeError(at, `uses ${kind} ${shown(key)}, which the top-level ${kind}s: key does not declare`);
    const target = map['target'] === undefined ? filePath(kind, key) : asString(map['target'], fieldPath(at, 'target'));
    const ref: FileRefSpec = { source: decl.name, target };
    if (map['uid'] !== undefined) ref.uid = asInteger(map['uid'], fieldPath(at, 'uid'), 0, 2 ** 31 - 1);
    if (map['gid'] !== undefined) ref.gid = asInteger(map['gid'], fieldPath(at, 'gid'), 0, 2 ** 31 - 1);
    if (map['mode'] !== undefined) ref.mode = composeMode(map['mode'], fieldPath(at, 'mode'), found);
    return ref;
  });
}

/** Modes people write; a number that is one of them in decimal but read as octal digits is noted. */
const COMMON_MODES = [0o400, 0o440, 0o444, 0o500, 0o550, 0o555, 0o600, 0o640, 0o644, 0o660, 0o700, 0o750, 0o770, 0o777];

/**
 * A file's mode as the task spec takes it (a number up to 0o777), from a string of octal digits
 * ("0440", "440", "0o440") or a number. A number is ambiguous: Compose's own reader reads
 * `mode: 0440` as octal (YAML 1.1's rule, kept by Go's yaml.v3), but Poseidon's YAML 1.2 reader
 * reads it as decimal 440, and the leading zero is gone by the time it arrives here. Chosen: a
 * number whose digits are all octal digits (440, 400, 644) is read as those octal digits, so
 * `mode: 0440` means 0o440 as under `docker compose`; any other number up to 511 (288, 292: a JSON
 * file's decimal, or what YAML 1.2 makes of `0o440`) is the mode itself. A decimal mode written
 * with octal digits only (420 for 0o644, 256 for 0o400, or YAML 1.2's `0o644`) is thus read as
 * octal digits: when it is a common mode in decimal, a note says how it was read. A quoted string
 * ("0644") is never ambiguous.
 */
export function composeMode(value: unknown, path: string, found: Findings): number {
  if (typeof value === 'string') {
    const m = /^(?:0o?)?([0-7]{1,3})$/.exec(value.trim());
    if (m === null) throw composeError(path, `is ${shown(value)}; use octal digits such as "0440"`);
    return parseInt(m[1] ?? '', 8);
  }
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
    const digits = String(value);
    if (/^[0-7]{1,3}$/.test(digits)) {
      if (COMMON_MODES.includes(value))
        found.notes.push(
          `${path}: ${digits} is read as octal 0${digits}, as docker compose reads mode: 0${digits}; ` +
            `for 0${value.toString(8)} (${digits} in decimal), write "0${value.toString(8)}"`,
        );
      return parseInt(digits, 8);
    }
    if (value <= 0o777) return value;
  }
  throw composeError(path, `is ${shown(value)}; use octal digits such as "0440" (quoted), or a number up to 511`);
}
