import { interpolate, type Variables } from './interpolate.js';
import { isMap, type ComposeMap } from './values.js';

// Several Compose files (`deploy -c base.yml -c prod.yml`) → one document, by the Compose
// specification's merge rules, before variables are substituted or anything is checked: a later
// file's mapping entries are added or merged, its sequences appended, except that `command`,
// `entrypoint` and `healthcheck.test` are replaced, `ports`, `volumes`, `secrets` and `configs`
// keep one entry per unique key (a later entry of the same key merged over it), and lists of
// `KEY=value` (`environment`, `labels`, ...) merge as mappings, whichever form each file uses.

/** A service's keys whose later value replaces the earlier one, list or not. */
const REPLACED = new Set(['command', 'entrypoint', 'healthcheck.test']);

/** A service's keys that are `KEY=value` lists or mappings, merged by key. */
const KEYED = new Set(['environment', 'labels', 'deploy.labels', 'sysctls', 'build.args', 'annotations']);

/** A service's sequences of unique entries, and the key that makes one unique. */
const UNIQUE: Record<string, (entry: unknown) => string | undefined> = {
  ports: portKey,
  volumes: volumeKey,
  secrets: (entry) => fileKey(entry, '/run/secrets/'),
  configs: (entry) => fileKey(entry, '/'),
};

/**
 * The documents merged in order, each over the ones before it; one document is returned as it is.
 * Unique entries are compared with `vars` substituted (`"${PORT:-80}:80"` and `"80:80"` are one).
 */
export function mergeComposeDocuments(docs: readonly unknown[], vars: Variables): unknown {
  return docs.reduce((base, over) => mergeValue(base, over, [], vars));
}

function mergeValue(base: unknown, over: unknown, at: readonly string[], vars: Variables): unknown {
  if (over === undefined) return base;
  if (base === undefined) return over;
  // inside a service: `services.<name>.<key path>`
  const key = at[0] === 'services' && at.length > 2 ? at.slice(2).join('.') : undefined;
  if (key !== undefined && REPLACED.has(key)) return over;
  if (key !== undefined && KEYED.has(key) && (Array.isArray(base) || Array.isArray(over))) {
    const b = asKeyed(base);
    const o = asKeyed(over);
    if (b !== undefined && o !== undefined) return { ...b, ...o };
  }
  const unique = key === undefined ? undefined : UNIQUE[key];
  if (unique !== undefined && Array.isArray(base) && Array.isArray(over))
    return mergeUnique(base, over, (entry) => unique(substituted(entry, vars)));
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...over];
  if (isMap(base) && isMap(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = mergeValue(base[k], v, [...at, k], vars);
    return out;
  }
  return over;
}

/** An entry with its variables substituted; as it is when they cannot be (the conversion says why). */
function substituted(entry: unknown, vars: Variables): unknown {
  try {
    return interpolate(entry, vars).doc;
  } catch {
    return entry;
  }
}

/** `["A=1", "B"]` → `{A: "1", B: null}` (null: take it from the shell, or an empty label); a mapping as it is. */
function asKeyed(value: unknown): ComposeMap | undefined {
  if (isMap(value)) return value;
  if (!Array.isArray(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const entry of value) {
    // anything else is left to the conversion, which names its path
    if (typeof entry !== 'string' && typeof entry !== 'number') return undefined;
    const text = String(entry);
    const eq = text.indexOf('=');
    if (eq < 0) out[text] = null;
    else out[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return out;
}

function mergeUnique(
  base: readonly unknown[],
  over: readonly unknown[],
  keyOf: (entry: unknown) => string | undefined,
): unknown[] {
  const out = [...base];
  for (const entry of over) {
    const key = keyOf(entry);
    const i = key === undefined ? -1 : out.findIndex((e) => keyOf(e) === key);
    if (i < 0) out.push(entry);
    else {
      const there = out[i];
      out[i] = isMap(there) && isMap(entry) ? { ...there, ...entry } : entry;
    }
  }
  return out;
}

/** A port's unique key: its host address, published port, target and protocol (`8080:80`, or long syntax). */
function portKey(entry: unknown): string | undefined {
  if (isMap(entry)) {
    const part = (k: string): string => (entry[k] === undefined || entry[k] === null ? '' : String(entry[k]));
    return `${part('host_ip')}|${part('published')}|${part('target')}|${part('protocol') || 'tcp'}`;
  }
  if (typeof entry !== 'string' && typeof entry !== 'number') return undefined;
  const [spec = '', protocol = 'tcp'] = String(entry).split('/');
  const parts = spec.split(':');
  const target = parts.pop() ?? '';
  const published = parts.pop() ?? '';
  return `${parts.join(':')}|${published}|${target}|${protocol}`;
}

/** A volume's unique key: its container path (`src:/path[:ro]`, `/path`, or long syntax's `target`). */
function volumeKey(entry: unknown): string | undefined {
  if (isMap(entry)) return typeof entry['target'] === 'string' ? entry['target'] : undefined;
  if (typeof entry !== 'string') return undefined;
  const parts = entry.split(':');
  return parts.length === 1 ? parts[0] : parts[1];
}

/** A secret's or config's unique key: where it is mounted (its target, else its name under `dir`). */
function fileKey(entry: unknown, dir: string): string | undefined {
  const at = (target: unknown): string | undefined =>
    typeof target !== 'string' ? undefined : target.startsWith('/') ? target : `${dir}${target}`;
  if (typeof entry === 'string') return at(entry);
  if (!isMap(entry)) return undefined;
  return at(entry['target'] ?? entry['source']);
}
