import type { Variables } from './interpolate.js';
import { mergeComposeDocuments } from './merge.js';
import { asMap, asString, composeError, fieldPath, isMap, shown, type ComposeMap } from './values.js';

// Compose's `extends` within one file, as `docker compose` reads it: a service starts from
// another's keys (that one's own `extends` first), its own merged over them by the rules that
// merge several files (merge.ts). `extends.file`, another file's service, is refused: that file
// is not read here, and deploying the service without what it would inherit runs something else.

const KEYS = new Set(['service', 'file']);

/** `services` with each `extends` resolved (and taken away); the others as they are. */
export function resolveExtends(services: ComposeMap, vars: Variables): ComposeMap {
  const out: Record<string, unknown> = {};
  const resolving: string[] = [];
  const resolve = (key: string): unknown => {
    if (key in out) return out[key];
    const body = services[key];
    if (!isMap(body) || body['extends'] === undefined || body['extends'] === null) return (out[key] = body);
    const path = fieldPath(fieldPath('services', key), 'extends');
    const base = baseOf(body['extends'], path);
    if (!Object.hasOwn(services, base))
      throw composeError(path, `names service "${base}", which the file does not have`);
    if (resolving.includes(base) || base === key)
      throw composeError(path, `goes round in a circle: ${[...resolving, key, base].join(' extends ')}`);
    resolving.push(key);
    const parent = resolve(base);
    resolving.pop();
    const own = Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'extends'));
    const merged = mergeComposeDocuments([{ services: { [key]: parent } }, { services: { [key]: own } }], vars);
    return (out[key] = (merged as { services: Record<string, unknown> }).services[key]);
  };
  for (const key of Object.keys(services)) resolve(key);
  return out;
}

/** `extends: web` or `extends: {service: web}`; a `file` is refused with what to do. */
function baseOf(value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  const map = asMap(value, path);
  for (const k of Object.keys(map))
    if (!KEYS.has(k)) throw composeError(fieldPath(path, k), `is not a key of extends (service, file)`);
  if (map['file'] !== undefined && map['file'] !== null)
    throw composeError(
      fieldPath(path, 'file'),
      `is ${shown(map['file'])}: Poseidon reads extends within this file only; copy the service here, or ` +
        'deploy what docker compose config prints (docker compose config | poseidon deploy -c - STACK)',
    );
  return asString(map['service'], fieldPath(path, 'service'));
}
