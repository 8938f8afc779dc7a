import { Type, type Static } from '@sinclair/typebox';
import { InvalidField, type FieldNamer } from '../errors/index.js';
import {
  DEFAULT_FILE_MODE,
  FILE_NAME_PATTERN,
  FILE_NAME_RULE,
  SECRETS_DIR,
  filePath,
  resolveFileRef,
  type FileKind,
  type TaskFile,
} from './file-limits.js';
import { hinted } from './hinted.js';

// Secrets and configs a task mounts as files: which one (`source`), where in the container
// (`target`), and the file's owner and mode. Secrets default to `/run/secrets/<source>` (a
// relative target is taken under /run/secrets, as Swarm does), configs to `/<source>`.

/** The largest value (500 KiB) and the name rule: in a TypeBox-free module, for the CLI. */
export {
  MAX_FILE_BYTES,
  FILE_NAME_PATTERN,
  FILE_NAME_RULE,
  SECRETS_DIR,
  DEFAULT_FILE_MODE,
  filePath,
  resolveFileRef,
} from './file-limits.js';
export type { FileKind, TaskFile } from './file-limits.js';
/** Most secrets (and, apart, configs) one task mounts. */
export const MAX_FILE_REFS = 32;

const ownerId = (what: string) =>
  hinted(
    Type.Union([Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }), Type.String({ pattern: '^[0-9]{1,10}$' })]),
    `must be a ${what} id such as 0 or "1000"`,
  );

export const FileRefSpec = Type.Object(
  {
    source: hinted(Type.String({ pattern: FILE_NAME_PATTERN }), FILE_NAME_RULE),
    target: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    uid: Type.Optional(ownerId('user')),
    gid: Type.Optional(ownerId('group')),
    // a number (292 is 0444) or octal digits as a string ("0440", "440")
    mode: Type.Optional(
      hinted(
        Type.Union([Type.Integer({ minimum: 0, maximum: 0o777 }), Type.String({ pattern: '^0?[0-7]{1,3}$' })]),
        'must be permission bits: octal digits as a string such as "0440", or a number up to 511',
      ),
    ),
  },
  { additionalProperties: false },
);
export type FileRefSpec = Static<typeof FileRefSpec>;

/**
 * Parses `secrets` and `configs`: targets made absolute and normal, none mounted twice (across both
 * lists), none on `/` or on /run/secrets itself.
 */
export function parseFileRefs(
  secrets: readonly FileRefSpec[],
  configs: readonly FileRefSpec[],
  f: FieldNamer,
): TaskFile[] {
  const seen = new Set<string>();
  const one = (kind: FileKind, list: string, r: FileRefSpec, i: number): TaskFile => {
    const field = (name: string): string => f(list, i, name);
    const target = resolveTarget(kind, r.source, r.target, field('target'));
    if (seen.has(target)) throw new InvalidField(field('target'), `${target} is mounted twice`);
    seen.add(target);
    return resolveFileRef(kind, r);
  };
  return [
    ...secrets.map((r, i) => one('secret', 'secrets', r, i)),
    ...configs.map((r, i) => one('config', 'configs', r, i)),
  ];
}

function resolveTarget(kind: FileKind, source: string, target: string | undefined, field: string): string {
  const given = target ?? source;
  if (given.includes('\0')) throw new InvalidField(field, 'must not hold a NUL character');
  const path = filePath(kind, source, target);
  if (path === '/' || path === SECRETS_DIR)
    throw new InvalidField(field, `is ${path}, a directory; name a file such as ${filePath(kind, source)}`);
  if (kind === 'secret' && !given.startsWith('/') && !path.startsWith(`${SECRETS_DIR}/`))
    throw new InvalidField(field, `leads out of ${SECRETS_DIR}; give an absolute path to mount it elsewhere`);
  return path;
}

/** The spec form of a task's files (what the manager dispatches). */
export function toFileRefSpecs(files: readonly TaskFile[] | undefined, kind: FileKind): FileRefSpec[] {
  return (files ?? [])
    .filter((x) => x.kind === kind)
    .map((x) => ({
      source: x.source,
      target: x.target,
      ...(x.uid === 0 ? {} : { uid: x.uid }),
      ...(x.gid === 0 ? {} : { gid: x.gid }),
      ...(x.mode === DEFAULT_FILE_MODE ? {} : { mode: x.mode }),
    }));
}
