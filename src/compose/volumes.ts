import { posix } from 'node:path';
import type { VolumeMountSpec } from '../task/index.js';
import { normalMountPath } from '../task/volume.js';
import { COMPOSE_KEYS } from './spec-keys.js';
import {
  asBoolean,
  asList,
  asMap,
  asScalarText,
  asString,
  composeError,
  composeSize,
  isZeroSize,
  fieldPath,
  shown,
  type ComposeMap,
  type Findings,
} from './values.js';

// Volumes. A service's `volumes:` entry is a named volume (declared under the top-level
// `volumes:` key, as Compose requires) or a bind mount (a source that starts with "/" or ".":
// a host path, relative ones from the Compose file's directory), in the short syntax
// ("db-data:/var/lib/mysql:ro", "./site:/www") or the long one ({type, source, target,
// read_only}). A named volume is `<stack>-<key>` on the node (one per replica: the manager adds
// the slot), unless the declaration names it (`name:`) or it is `external` (noted: the slot is
// added all the same, so an existing volume is not what a replica mounts). A long entry of
// `type: tmpfs` is a tmpfs, as the service's own `tmpfs:` key gives them ("/run:size=64m").

/** The top-level `volumes:` key: each declared volume's name on the nodes. */
export type VolumeNames = ReadonlyMap<string, string>;

const TOP_KEYS = new Set(['name', 'external', 'driver', 'driver_opts', 'labels']);
const LONG_KEYS = new Set(['type', 'source', 'target', 'read_only', 'volume', 'bind', 'consistency', 'tmpfs']);
const TMPFS_KEYS = new Set(['size', 'mode']);

/** A tmpfs as the task spec takes it: a path, and its size (bytes, or a quantity such as "64Mi"). */
export interface TmpfsSpec {
  path: string;
  size?: number | string;
}

/** A tmpfs, and where the Compose file gave it (for errors). */
export interface ComposeTmpfs {
  at: string;
  tmpfs: TmpfsSpec;
}

export function declaredVolumes(value: unknown, stack: string, found: Findings): VolumeNames {
  const names = new Map<string, string>();
  if (value === undefined || value === null) return names;
  for (const [key, decl] of Object.entries(asMap(value, 'volumes'))) {
    const path = fieldPath('volumes', key);
    const map: ComposeMap = decl === null ? {} : asMap(decl, path);
    found.unknownKeys(map, path, TOP_KEYS, COMPOSE_KEYS.volume);
    if (map['driver'] !== undefined && map['driver'] !== 'local')
      found.unsupported.push(
        `${fieldPath(path, 'driver')} (${shown(map['driver'])}: volumes use the engine's local driver)`,
      );
    for (const k of ['driver_opts', 'labels']) if (map[k] !== undefined) found.unsupported.push(fieldPath(path, k));
    const external = map['external'] === undefined ? false : asBoolean(map['external'], fieldPath(path, 'external'));
    const named = map['name'] === undefined ? undefined : asString(map['name'], fieldPath(path, 'name'));
    const name = named ?? (external ? key : `${stack}-${key}`);
    // a replica mounts its slot's own volume (service/slot-spec.ts), never the one that exists
    if (external)
      found.notes.push(
        `${fieldPath(path, 'external')} is not applied: each replica mounts its slot's own volume ` +
          `(${name}-1, ${name}-2, …), made on its node when missing, not an existing ${name} ` +
          `(copy its data into ${name}-1, or bind-mount a host directory)`,
      );
    names.set(key, name);
  }
  return names;
}

/**
 * Two services that mount one named volume share it on a Compose host; here each replica mounts
 * its slot's own (`<name>-<slot>`), so they share it only slot by slot, as a note says.
 * `keys[i]` is the Compose key of `specs[i]`.
 */
export function noteSharedVolumes(
  keys: readonly string[],
  specs: readonly { task: { volumes?: readonly VolumeMountSpec[] } }[],
  declared: VolumeNames,
  found: Findings,
): void {
  for (const [key, name] of declared) {
    const users = keys.filter((_, i) => (specs[i]?.task.volumes ?? []).some((v) => v.name === name));
    if (users.length < 2) continue;
    found.notes.push(
      `${fieldPath('volumes', key)} is mounted by ${users.map((k) => fieldPath('services', k)).join(', ')}: ` +
        `each replica mounts its slot's own volume (${name}-1, ${name}-2, …), so they share it only slot ` +
        `by slot, replica 1 with replica 1 on one node (use a bind mount to share one directory of a host)`,
    );
  }
}

/**
 * `baseDir` is the Compose file's directory (relative bind sources start there). The entries of
 * `type: tmpfs` come back apart: the task spec keeps them in its own `tmpfs` list.
 */
export function composeVolumes(
  value: unknown,
  path: string,
  declared: VolumeNames,
  baseDir: string,
  found: Findings,
): { volumes: VolumeMountSpec[]; tmpfs: ComposeTmpfs[] } {
  const out: VolumeMountSpec[] = [];
  const tmpfs: ComposeTmpfs[] = [];
  asList(value, path).forEach((entry, i) => {
    const at = fieldPath(path, i);
    const mount = typeof entry === 'string' ? shortVolume(entry, at, found) : longVolume(entry, at, found);
    if (mount === null) return;
    if ('tmpfs' in mount) {
      tmpfs.push({ at, tmpfs: mount.tmpfs });
      return;
    }
    if (mount.bind) {
      out.push({ hostPath: hostPathOf(mount.source, baseDir, at), path: mount.target, ...readOnly(mount.readOnly) });
      return;
    }
    const name = declared.get(mount.source);
    if (name === undefined)
      throw composeError(at, `uses volume "${mount.source}", which the top-level volumes: key does not declare`);
    out.push({ name, path: mount.target, ...readOnly(mount.readOnly) });
  });
  return { volumes: out, tmpfs };
}

interface Mount {
  bind: boolean;
  source: string;
  target: string;
  readOnly: boolean;
}

const readOnly = (ro: boolean): { readOnly?: true } => (ro ? { readOnly: true } : {});

function isHostPath(source: string): boolean {
  return source.startsWith('/') || source.startsWith('.') || source.startsWith('~');
}

function shortVolume(text: string, path: string, found: Findings): Mount | null {
  const parts = text.split(':');
  if (parts.length === 1) {
    found.unsupported.push(`${path} (anonymous volume ${JSON.stringify(text)})`);
    return null;
  }
  const [source = '', target = '', mode] = parts;
  if (parts.length > 3 || source === '' || !target.startsWith('/'))
    throw composeError(path, `is ${shown(text)}; use "VOLUME:/path", "./dir:/path" or "/dir:/path", with :ro or :rw`);
  const flags = (mode ?? '').split(',').filter((f) => f !== '');
  for (const f of flags) if (f !== 'ro' && f !== 'rw') found.unsupported.push(`${path} (mode ${f})`);
  return { bind: isHostPath(source), source, target, readOnly: flags.includes('ro') };
}

function longVolume(entry: unknown, path: string, found: Findings): Mount | { tmpfs: TmpfsSpec } | null {
  const map = asMap(entry, path);
  found.unknownKeys(map, path, LONG_KEYS, COMPOSE_KEYS.volumeMount);
  for (const k of ['volume', 'bind', 'consistency'])
    if (map[k] !== undefined) found.unsupported.push(fieldPath(path, k));
  const type = map['type'] === undefined ? 'volume' : asString(map['type'], fieldPath(path, 'type'));
  if (type === 'tmpfs') return { tmpfs: longTmpfs(map, path, found) };
  if (map['tmpfs'] !== undefined) found.unsupported.push(`${fieldPath(path, 'tmpfs')} (with type: ${type})`);
  if (type !== 'volume' && type !== 'bind') {
    found.unsupported.push(`${fieldPath(path, 'type')} (${type})`);
    return null;
  }
  const target = asString(map['target'], fieldPath(path, 'target'));
  if (!target.startsWith('/'))
    throw composeError(fieldPath(path, 'target'), `must be an absolute path (got ${shown(target)})`);
  if (map['source'] === undefined) {
    found.unsupported.push(`${path} (anonymous volume ${JSON.stringify(target)})`);
    return null;
  }
  const source = asString(map['source'], fieldPath(path, 'source'));
  const ro = map['read_only'] === undefined ? false : asBoolean(map['read_only'], fieldPath(path, 'read_only'));
  return { bind: type === 'bind', source, target, readOnly: ro };
}

function hostPathOf(source: string, baseDir: string, path: string): string {
  if (source.startsWith('~'))
    throw composeError(
      path,
      `names ${JSON.stringify(source)}; write the host path without ~ (the workers' home is not yours)`,
    );
  return posix.resolve(baseDir, source);
}

/** `{type: tmpfs, target: /tmp, tmpfs: {size: 67108864}}`: its size in bytes, or as "64m". */
function longTmpfs(map: ComposeMap, path: string, found: Findings): TmpfsSpec {
  const target = tmpfsPath(asString(map['target'], fieldPath(path, 'target')), fieldPath(path, 'target'));
  if (map['source'] !== undefined) found.unsupported.push(`${fieldPath(path, 'source')} (a tmpfs has none)`);
  if (map['read_only'] === true) found.unsupported.push(`${fieldPath(path, 'read_only')} (a tmpfs is writable)`);
  const at = fieldPath(path, 'tmpfs');
  const options: ComposeMap = map['tmpfs'] === undefined || map['tmpfs'] === null ? {} : asMap(map['tmpfs'], at);
  found.unknownKeys(options, at, TMPFS_KEYS, COMPOSE_KEYS.tmpfsOptions);
  if (options['mode'] !== undefined && !MODE_1777.has(String(options['mode'])))
    found.unsupported.push(`${fieldPath(at, 'mode')} (${shown(options['mode'])}: Poseidon mounts a tmpfs 1777)`);
  const size = options['size'] === undefined ? undefined : tmpfsSize(options['size'], fieldPath(at, 'size'));
  return size === undefined ? { path: target } : { path: target, size };
}

/** 1777 as a file may write it (1023 is 0o1777 read as a number). */
const MODE_1777 = new Set(['1777', '01777', '0o1777', '1023']);

/**
 * A service's `tmpfs:`: a path, or a list of them. Compose's short form takes no options, but
 * docker's `/run:size=64m` is read too (rw and mode=1777 are what Poseidon does; others are noted).
 */
export function composeTmpfs(value: unknown, path: string, found: Findings): ComposeTmpfs[] {
  const entries = typeof value === 'string' ? [{ at: path, entry: value as unknown }] : [];
  if (typeof value !== 'string')
    asList(value, path).forEach((entry, i) => entries.push({ at: fieldPath(path, i), entry }));
  return entries.map(({ at, entry }) => ({ at, tmpfs: shortTmpfs(asString(entry, at), at, found) }));
}

function shortTmpfs(text: string, path: string, found: Findings): TmpfsSpec {
  const colon = text.indexOf(':');
  const target = tmpfsPath(colon < 0 ? text : text.slice(0, colon), path);
  let size: number | string | undefined;
  for (const option of colon < 0 ? [] : text.slice(colon + 1).split(',')) {
    const [key = '', value] = option.split('=', 2);
    if (key === 'size' && value !== undefined) size = tmpfsSize(value, path, true);
    else if (option !== '' && option !== 'rw' && !(key === 'mode' && MODE_1777.has(value ?? '')))
      found.unsupported.push(`${path} (option ${option})`);
  }
  return size === undefined ? { path: target } : { path: target, size };
}

/**
 * An absolute path, resolved as the manager resolves it (`.`, `..`, repeated and trailing
 * slashes), so two spellings of one place are found mounted twice here, naming the file's path.
 */
function tmpfsPath(text: string, path: string): string {
  const normal = normalMountPath(text);
  if (normal === undefined)
    throw composeError(path, `mounts a tmpfs at ${shown(text)}; use an absolute path in the container, such as /tmp`);
  if (normal === '/') throw composeError(path, 'mounts a tmpfs on /; mount it on a directory below it');
  return normal;
}

/**
 * A tmpfs's size as docker reads it: bytes, or with k, m, g or t (KiB, MiB, GiB, TiB; any case,
 * with i and b or not: "64m", "64MiB", "1.5g"), as a Poseidon quantity ("64Mi"). Above 0.
 * `short`: it came as `size=` of a short entry, which `path` names whole.
 */
function tmpfsSize(value: unknown, path: string, short = false): number | string {
  const text = typeof value === 'number' ? String(value) : asScalarText(value, path).trim();
  const what = short ? `has size=${text}` : `is ${shown(value)}`;
  const size = /^[0-9.]+$/.test(text) && text.includes('.') ? undefined : composeSize(text);
  if (size === undefined) throw composeError(path, `${what}; use bytes or a size such as "64m" or "1g"`);
  if (isZeroSize(size)) throw composeError(path, `${what}; a tmpfs's size must be above 0`);
  return size;
}

/**
 * The tmpfs mounts, in order: each path once, the volumes' included (the manager refuses the
 * same, naming the task's field instead of the file's).
 */
export function tmpfsMounts(tmpfs: readonly ComposeTmpfs[], volumes: readonly VolumeMountSpec[]): TmpfsSpec[] {
  const volumePaths = new Set(volumes.map((v) => normalMountPath(v.path) ?? v.path));
  const seen = new Map<string, string>();
  return tmpfs.map(({ at, tmpfs: t }) => {
    if (volumePaths.has(t.path))
      throw composeError(at, `mounts a tmpfs at ${t.path}, where one of the service's volumes is mounted`);
    const before = seen.get(t.path);
    if (before !== undefined) throw composeError(at, `mounts a tmpfs at ${t.path}, as ${before} does`);
    seen.set(t.path, at);
    return t;
  });
}
