import { InvalidField } from '../errors/index.js';
import { filePath, type FileKind } from '../task/file-limits.js';

// `--secret` and `--config` (`poseidon run`, `service create`, `service update --secret-add`), as
// `docker service create` takes them: a name alone, or `source=NAME,target=PATH,uid=N,gid=N,mode=0440`
// (`src` for `source`, as Docker allows). The manager checks what they name.

/** One reference as a task spec's `secrets` or `configs` takes it. */
export interface FileRefFlag {
  source: string;
  target?: string;
  uid?: string;
  gid?: string;
  mode?: string;
}

const KEYS = new Set(['source', 'src', 'target', 'uid', 'gid', 'mode']);

/** The reference `text` of `flag` says; refused naming the flag when it says something else. */
export function fileRefOf(flag: string, text: string): FileRefFlag {
  const how = 'use NAME, or source=NAME,target=PATH with uid=, gid= and mode= if needed';
  if (!text.includes('=')) {
    if (text === '' || text.includes(',')) throw new InvalidField(flag, `is ${JSON.stringify(text)}; ${how}`);
    return { source: text };
  }
  const ref: Record<string, string> = {};
  for (const part of text.split(',')) {
    const at = part.indexOf('=');
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (at < 0 || !KEYS.has(key) || value === '') throw new InvalidField(flag, `has ${JSON.stringify(part)}; ${how}`);
    ref[key === 'src' ? 'source' : key] = value;
  }
  const { source, ...rest } = ref;
  if (source === undefined) throw new InvalidField(flag, `is ${JSON.stringify(text)}, with no source; ${how}`);
  return { source, ...rest };
}

/** A spec's references less those whose source is in `remove`, with `add` in place of any at the same path. */
export function editedFileRefs(
  current: unknown,
  remove: readonly string[] | undefined,
  add: readonly FileRefFlag[],
  kind: FileKind,
): FileRefFlag[] | undefined {
  const had = Array.isArray(current) ? (current as FileRefFlag[]) : undefined;
  if (had === undefined && add.length === 0) return undefined;
  const target = (r: FileRefFlag): string => filePath(kind, r.source, r.target);
  const gone = new Set(remove ?? []);
  const kept = (had ?? []).filter((r) => !gone.has(r.source) && !add.some((a) => target(a) === target(r)));
  return [...kept, ...add];
}
