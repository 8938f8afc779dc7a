// The limits of secrets and configs, and where a reference to one lands, in a module that loads
// nothing: the CLI checks them before it sends a value, and must not load the API's schemas
// (TypeBox) to do so.

import { posix } from 'node:path';

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
  return posix.resolve(kind === 'secret' ? SECRETS_DIR : '/', target ?? source);
}
