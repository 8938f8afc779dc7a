// The limits of secrets and configs, and where a reference to one lands, in a module that loads
// nothing, not even Node's: the CLI checks them before it sends a value, and must not load the
// API's schemas (TypeBox) to do so; the web console shows a service's mounts with the same rule.

export type FileKind = 'secret' | 'config';

/** Where a secret lands when its target is absent or relative. */
export const SECRETS_DIR = '/run/secrets';

/** The largest value of a secret or config, as Swarm's (500 KiB): a file a task reads at start, not a data set. */
export const MAX_FILE_BYTES = 500 * 1024;

/** A secret's or config's name: letters, digits and `_ . -`, as Swarm's names and Compose's keys. */
export const FILE_NAME_PATTERN = '^[A-Za-z0-9]([A-Za-z0-9_.-]{0,126}[A-Za-z0-9])?$';
/** What a refusal of a name says it must be. */
export const FILE_NAME_RULE =
  'must be a name of letters, digits and "_", ".", "-" (up to 128), starting and ending with a letter or digit';

/**
 * The path in the container a reference mounts its file at: its target, or its source's name when
 * it has none, taken under /run/secrets for a secret (as Swarm does) and under / for a config.
 */
export function filePath(kind: FileKind, source: string, target?: string): string {
  const path = target ?? source;
  const parts: string[] = [];
  // as POSIX path.resolve from an absolute base: `.` and empty parts go, `..` goes up, never above /
  for (const part of (path.startsWith('/') ? path : `${kind === 'secret' ? SECRETS_DIR : ''}/${path}`).split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '' && part !== '.') parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** Permission bits as people write them: 0444, 0400. */
export function modeText(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

/** File mode when none is asked: readable by all in the container, as Swarm's. */
export const DEFAULT_FILE_MODE = 0o444;

/** One secret or config a task mounts, resolved: an absolute target, numeric owner and mode. */
export interface TaskFile {
  kind: FileKind;
  source: string;
  target: string;
  uid: number;
  gid: number;
  mode: number;
}

/**
 * A reference as a spec writes it (owner ids as numbers or digits, the mode as a number or octal
 * digits), resolved; it checks nothing (parseFileRefs does, before it resolves).
 */
export function resolveFileRef(
  kind: FileKind,
  r: { source: string; target?: string; uid?: number | string; gid?: number | string; mode?: number | string },
): TaskFile {
  return {
    kind,
    source: r.source,
    target: filePath(kind, r.source, r.target),
    uid: Number(r.uid ?? 0),
    gid: Number(r.gid ?? 0),
    mode: typeof r.mode === 'string' ? parseInt(r.mode, 8) : (r.mode ?? DEFAULT_FILE_MODE),
  };
}
