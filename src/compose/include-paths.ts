import { posix } from 'node:path';
import { isMap, type ComposeMap } from './values.js';

// An included file is read as its own project (the Compose specification's `include`): its relative
// paths start from its project directory, and its variables are its own. Once read, its resources
// join the including file's, whose paths and variables are another's: so the paths are made
// absolute here, and each `$` doubled (as docker compose does), so the deploy's own substitution
// gives back the value already substituted.

/** `doc` (an included file, variables substituted) with its relative paths made absolute from `dir`. */
export function absolutePaths(doc: ComposeMap, dir: string): ComposeMap {
  const out: Record<string, unknown> = { ...doc };
  const at = (p: string): string => posix.resolve(dir, p);
  if (isMap(doc['services']))
    out['services'] = Object.fromEntries(
      Object.entries(doc['services']).map(([key, body]) => [key, isMap(body) ? servicePaths(body, at) : body]),
    );
  for (const kind of ['secrets', 'configs']) {
    const decls = doc[kind];
    if (!isMap(decls)) continue;
    out[kind] = Object.fromEntries(
      Object.entries(decls).map(([key, d]) => [
        key,
        isMap(d) && typeof d['file'] === 'string' ? { ...d, file: at(d['file']) } : d,
      ]),
    );
  }
  return out;
}

function servicePaths(body: ComposeMap, at: (p: string) => string): ComposeMap {
  const out: Record<string, unknown> = { ...body };
  const envFile = body['env_file'];
  if (typeof envFile === 'string') out['env_file'] = at(envFile);
  else if (Array.isArray(envFile))
    out['env_file'] = envFile.map((e) =>
      typeof e === 'string' ? at(e) : isMap(e) && typeof e['path'] === 'string' ? { ...e, path: at(e['path']) } : e,
    );
  if (Array.isArray(body['volumes'])) out['volumes'] = body['volumes'].map((v) => volumePath(v, at));
  return out;
}

/** A bind mount's relative source (`./data:/data`, or `type: bind` with `source: data`) made absolute. */
function volumePath(entry: unknown, at: (p: string) => string): unknown {
  if (typeof entry === 'string') {
    const [source = '', ...rest] = entry.split(':');
    return source.startsWith('.') && rest.length > 0 ? [at(source), ...rest].join(':') : entry;
  }
  if (!isMap(entry) || entry['type'] !== 'bind' || typeof entry['source'] !== 'string') return entry;
  const source = entry['source'];
  return source.startsWith('/') || source.startsWith('~') ? entry : { ...entry, source: at(source) };
}

/** Every `$` of the values doubled: a later substitution gives back the text as it is. */
export function escapeDollars(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('$', () => '$$');
  if (Array.isArray(value)) return value.map(escapeDollars);
  if (isMap(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeDollars(v)]));
  return value;
}
