import { posix } from 'node:path';
import { InvalidField, type FieldNamer } from '../errors/index.js';
import type { VolumeMountSpec } from './spec.js';

// Volumes a task mounts: named volumes (created on the node by its engine's local driver,
// labelled as Poseidon's; the task goes back to the node that holds one) and host paths (a
// directory of the node, refused unless the worker allows a prefix of it).

/** One mount of a task, as the rest of Poseidon sees it. */
export type VolumeMount =
  | { kind: 'volume'; name: string; path: string; readOnly: boolean }
  | { kind: 'host'; hostPath: string; path: string; readOnly: boolean };

/**
 * Parses `volumes` (checked by the schema: names, absolute paths): exactly one of name and
 * hostPath per entry, paths resolved, no container path mounted twice.
 */
export function parseVolumes(specs: readonly VolumeMountSpec[], f: FieldNamer): VolumeMount[] {
  if (specs.length === 0) return []; // most tasks mount nothing: no set for them
  const seen = new Set<string>();
  return specs.map((v, i) => {
    const field = (...name: string[]): string => f('volumes', i, ...name);
    if ((v.name === undefined) === (v.hostPath === undefined))
      throw new InvalidField(field(), 'must have exactly one of name (a named volume) and hostPath (a host directory)');
    const path = normalPath(field('path'), v.path);
    if (path === '/') throw new InvalidField(field('path'), 'is /; mount a volume on a directory below it');
    if (seen.has(path)) throw new InvalidField(field('path'), `${path} is mounted twice`);
    seen.add(path);
    const readOnly = v.readOnly ?? false;
    if (v.name !== undefined) return { kind: 'volume', name: v.name, path, readOnly };
    return { kind: 'host', hostPath: normalPath(field('hostPath'), v.hostPath ?? ''), path, readOnly };
  });
}

/**
 * An absolute path with `.`, `..` and repeated or trailing slashes resolved, so every later check
 * (the worker's allowed prefixes, duplicate mount points) sees where it really points.
 */
export function normalPath(field: string, path: string): string {
  if (!path.startsWith('/')) throw new InvalidField(field, `must be an absolute path (got ${JSON.stringify(path)})`);
  const normal = normalMountPath(path);
  if (normal === undefined) throw new InvalidField(field, 'must not hold a NUL character');
  return normal;
}

/**
 * normalPath's resolution without its refusal: undefined when `path` is not absolute or holds a
 * NUL. For the CLI and Compose, which word their own refusals (a flag's, a file's key).
 */
export function normalMountPath(path: string): string | undefined {
  if (!path.startsWith('/') || path.includes('\0')) return undefined;
  const normal = posix.normalize(path);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

/**
 * Whether `hostPath` is inside one of the allowed prefixes (`--allow-host-path`). Both sides are
 * resolved first (`..`, `.`, repeated and trailing slashes), so `/srv/poseidon/../etc` is not
 * under `/srv/poseidon`, and `/srv/poseidon-other` is not either (whole path segments only).
 * Symbolic links on the host are not followed: an allowed directory is the operator's to keep free
 * of links that lead out of it.
 */
export function isHostPathAllowed(hostPath: string, prefixes: readonly string[]): boolean {
  if (!hostPath.startsWith('/')) return false;
  const path = posix.resolve(hostPath);
  return prefixes.some((prefix) => {
    const p = posix.resolve(prefix);
    return p === '/' || path === p || path.startsWith(`${p}/`);
  });
}

/** The named volumes a task mounts, by name. */
export function volumeNames(mounts: readonly VolumeMount[] | undefined): string[] {
  return (mounts ?? []).flatMap((m) => (m.kind === 'volume' ? [m.name] : []));
}

/** The host paths a task mounts. */
export function hostPaths(mounts: readonly VolumeMount[] | undefined): string[] {
  return (mounts ?? []).flatMap((m) => (m.kind === 'host' ? [m.hostPath] : []));
}

/** The spec form of a mount (what the manager dispatches). */
export function toVolumeSpec(m: VolumeMount): VolumeMountSpec {
  const source = m.kind === 'volume' ? { name: m.name } : { hostPath: m.hostPath };
  return { ...source, path: m.path, ...(m.readOnly ? { readOnly: true } : {}) };
}

/** A tmpfs the task mounts: memory, empty at each start, charged to the container's memory. */
export interface TmpfsMount {
  path: string;
  /** Its most bytes; absent: the engine's default (half the host's memory), within the container's memory limit. */
  sizeBytes?: number;
}

/**
 * Parses `tmpfs` (each path absolute and resolved, below `/`): no path mounted twice, here or
 * as one of the task's volumes.
 */
export function parseTmpfs(
  specs: ReadonlyArray<{ path: string; size?: number | string }>,
  volumes: readonly VolumeMount[],
  f: FieldNamer,
  sizeOf: (field: string, size: number | string) => number,
): TmpfsMount[] {
  if (specs.length === 0) return [];
  const seen = new Set(volumes.map((v) => v.path));
  return specs.map((t, i) => {
    const field = (name: string): string => f('tmpfs', i, name);
    const path = normalPath(field('path'), t.path);
    if (path === '/') throw new InvalidField(field('path'), 'is /; mount a tmpfs on a directory below it');
    if (seen.has(path)) throw new InvalidField(field('path'), `${path} is mounted twice`);
    seen.add(path);
    if (t.size === undefined) return { path };
    const sizeBytes = sizeOf(field('size'), t.size);
    if (sizeBytes <= 0) throw new InvalidField(field('size'), 'must be above 0, such as "64Mi"');
    return { path, sizeBytes };
  });
}

/** The spec form of a tmpfs (what the manager dispatches). */
export function toTmpfsSpec(t: TmpfsMount): { path: string; size?: number } {
  return t.sizeBytes === undefined ? { path: t.path } : { path: t.path, size: t.sizeBytes };
}
