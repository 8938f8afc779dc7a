import { posix } from 'node:path';
import type { VolumeMountSpec } from '../task/index.js';
import {
  asBoolean,
  asList,
  asMap,
  asString,
  composeError,
  join,
  shown,
  type ComposeMap,
  type Findings,
} from './values.js';

// Volumes. A service's `volumes:` entry is a named volume (declared under the top-level
// `volumes:` key, as Compose requires) or a bind mount (a source that starts with "/" or ".":
// a host path, relative ones from the Compose file's directory), in the short syntax
// ("db-data:/var/lib/mysql:ro", "./site:/www") or the long one ({type, source, target,
// read_only}). A named volume is `<stack>-<key>` on the node (one per replica: the manager adds
// the slot), unless the declaration names it (`name:`) or it is `external`.

/** The top-level `volumes:` key: each declared volume's name on the nodes. */
export type VolumeNames = ReadonlyMap<string, string>;

const TOP_KEYS = new Set(['name', 'external', 'driver', 'driver_opts', 'labels']);
const LONG_KEYS = new Set(['type', 'source', 'target', 'read_only', 'volume', 'bind', 'consistency']);

export function declaredVolumes(value: unknown, stack: string, found: Findings): VolumeNames {
  const names = new Map<string, string>();
  if (value === undefined || value === null) return names;
  for (const [key, decl] of Object.entries(asMap(value, 'volumes'))) {
    const path = join('volumes', key);
    const map: ComposeMap = decl === null ? {} : asMap(decl, path);
    found.unknownKeys(map, path, TOP_KEYS);
    if (map['driver'] !== undefined && map['driver'] !== 'local')
      found.unsupported.push(
        `${join(path, 'driver')} (${shown(map['driver'])}: volumes use the engine's local driver)`,
      );
    for (const k of ['driver_opts', 'labels']) if (map[k] !== undefined) found.unsupported.push(join(path, k));
    const external = map['external'] === undefined ? false : asBoolean(map['external'], join(path, 'external'));
    const named = map['name'] === undefined ? undefined : asString(map['name'], join(path, 'name'));
    names.set(key, named ?? (external ? key : `${stack}-${key}`));
  }
  return names;
}

/** `baseDir` is the Compose file's directory (relative bind sources start there). */
export function composeVolumes(
  value: unknown,
  path: string,
  declared: VolumeNames,
  baseDir: string,
  found: Findings,
): VolumeMountSpec[] {
  const out: VolumeMountSpec[] = [];
  asList(value, path).forEach((entry, i) => {
    const at = join(path, i);
    const mount = typeof entry === 'string' ? shortVolume(entry, at, found) : longVolume(entry, at, found);
    if (mount === null) return;
    if (mount.bind) {
      out.push({ hostPath: hostPathOf(mount.source, baseDir, at), path: mount.target, ...readOnly(mount.readOnly) });
      return;
    }
    const name = declared.get(mount.source);
    if (name === undefined)
      throw composeError(at, `uses volume "${mount.source}", which the top-level volumes: key does not declare`);
    out.push({ name, path: mount.target, ...readOnly(mount.readOnly) });
  });
  return out;
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

function longVolume(entry: unknown, path: string, found: Findings): Mount | null {
  const map = asMap(entry, path);
  found.unknownKeys(map, path, LONG_KEYS);
  for (const k of ['volume', 'bind', 'consistency']) if (map[k] !== undefined) found.unsupported.push(join(path, k));
  const type = map['type'] === undefined ? 'volume' : asString(map['type'], join(path, 'type'));
  if (type !== 'volume' && type !== 'bind') {
    found.unsupported.push(`${join(path, 'type')} (${type})`);
    return null;
  }
  const target = asString(map['target'], join(path, 'target'));
  if (!target.startsWith('/'))
    throw composeError(join(path, 'target'), `must be an absolute path (got ${shown(target)})`);
  if (map['source'] === undefined) {
    found.unsupported.push(`${path} (anonymous volume ${JSON.stringify(target)})`);
    return null;
  }
  const source = asString(map['source'], join(path, 'source'));
  const ro = map['read_only'] === undefined ? false : asBoolean(map['read_only'], join(path, 'read_only'));
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
