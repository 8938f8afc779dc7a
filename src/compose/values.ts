import { fieldPath, InvalidField, nearestField } from '../errors/index.js';
import type { ComposeKeys } from './spec-keys.js';

// Reading a Compose document (plain JSON values from the YAML reader) with every error naming
// the path as the file spells it: `services.web.deploy.update_config.parallelism must be ...`.

/** Paths are written as everywhere else (`services.web.ports[0]`); re-exported for the readers here. */
export { fieldPath };

export type ComposeMap = Readonly<Record<string, unknown>>;

/**
 * An error at `path` in the Compose file; the message reads `path problem`, as every error about
 * a field does (a task file's, a service spec's, an API body's), so a deploy that fails in the
 * conversion and one the service spec's own check refuses (parseServiceSpec) read alike.
 */
export function composeError(path: string, problem: string): InvalidField {
  return new InvalidField(path, problem);
}

/** What a value is, for messages: `a list`, `"abc"`, `12`. */
export function shown(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function isMap(value: unknown): value is ComposeMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A whole Compose document, which is a mapping: a text file or a list is refused at `(document)`. */
export function asDocument(value: unknown): ComposeMap {
  if (!isMap(value)) throw composeError('(document)', `must be a mapping with a services: key (got ${shown(value)})`);
  return value;
}

export function asMap(value: unknown, path: string): ComposeMap {
  if (!isMap(value)) throw composeError(path, `must be a mapping (got ${shown(value)})`);
  return value;
}

export function asList(value: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(value)) throw composeError(path, `must be a list (got ${shown(value)})`);
  return value;
}

export function asString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw composeError(path, `must be a string (got ${shown(value)})`);
  return value;
}

/** A scalar as Compose takes it where a string is meant (`PORT: 8080`, `debug: true`). */
export function asScalarText(value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw composeError(path, `must be a string, number or boolean (got ${shown(value)})`);
}

export function asBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw composeError(path, `must be true or false (got ${shown(value)})`);
  return value;
}

/** A whole number from `min`; Compose files may quote numbers ("3"). */
export function asInteger(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof value === 'string' && /^-?[0-9]+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw composeError(path, `must be a whole number (got ${shown(value)})`);
  if (n < min) throw composeError(path, `must be at least ${min} (got ${n})`);
  if (n > max) throw composeError(path, `must be at most ${max} (got ${n})`);
  return n;
}

/** A number (cpus: 0.5 or "0.5"). */
export function asNumber(value: unknown, path: string): number {
  const n = typeof value === 'string' && /^[0-9]+(\.[0-9]+)?$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw composeError(path, `must be a number (got ${shown(value)})`);
  return n;
}

/**
 * Notes what a walk met: keys Poseidon does not support (listed together in one warning, by
 * path), keys that are no Compose key at all (the file is refused, naming them all), and other
 * things the user should know about the result.
 */
export class Findings {
  readonly unsupported: string[] = [];
  readonly notes: string[] = [];
  /** Keys no Compose file has, by path, each with ` (did you mean …?)` when one is near (or ''). */
  readonly notCompose: { path: string; hint: string }[] = [];

  /**
   * The keys of `map` outside `known` (what Poseidon reads there): one the Compose specification
   * defines at this level (`compose`) is noted as `path.key`, ignored; any other is a typo, for
   * refuseNotCompose. `x-` keys are Compose's extension fields (anchors' homes), meant to be ignored.
   */
  unknownKeys(map: ComposeMap, path: string, known: ReadonlySet<string>, compose: ComposeKeys): void {
    for (const key of Object.keys(map)) {
      if (known.has(key) || key.startsWith('x-')) continue;
      if (compose === 'any' || compose.has(key)) this.unsupported.push(fieldPath(path, key));
      else this.notCompose.push({ path: fieldPath(path, key), hint: nearKey(key, compose) });
    }
  }

  /**
   * Throws when a key was no Compose key, listing every one: a misspelt key must not be dropped
   * with a warning (`replica: 3` would deploy one replica), as docker stack deploy refuses it.
   */
  refuseNotCompose(): void {
    const [first, ...more] = this.notCompose;
    if (first === undefined) return;
    const others = more.map((k) => `; ${k.path} is not a Compose key${k.hint}`).join('');
    throw new InvalidField(first.path, `is not a Compose key${first.hint}${others}`);
  }

  warnings(): string[] {
    const out: string[] = [];
    if (this.unsupported.length > 0) out.push(`not supported by Poseidon, ignored: ${this.unsupported.join(', ')}`);
    return [...out, ...this.notes];
  }
}

/** ` (did you mean replicas?)` for a key near one of the level's (case, - and _ aside), else nothing. */
function nearKey(given: string, compose: ReadonlySet<string>): string {
  const near = nearestField(given, [...compose]);
  return near === undefined ? '' : ` (did you mean ${near}?)`;
}

/**
 * A byte size as docker reads one in a Compose file (go-units): bytes, or a number with k, m, g or
 * t (KiB, MiB, GiB, TiB; any case, with i and b or not: "512m", "64MiB", "1.5g"), as a Poseidon
 * quantity ("512Mi") or a whole number of bytes; undefined when it is not one.
 */
export function composeSize(text: string): number | string | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*(?:([kmgt])i?)?b?$/i.exec(text.trim());
  if (m === null) return undefined;
  const unit = m[2]?.toUpperCase();
  return unit === undefined ? Math.round(Number(m[1])) : `${m[1]}${unit}i`;
}

/** Whether a size composeSize read is nothing at all (0, "0Mi"): a tmpfs or /dev/shm must be bigger. */
export function isZeroSize(size: number | string): boolean {
  return size === 0 || (typeof size === 'string' && Number.parseFloat(size) === 0);
}
