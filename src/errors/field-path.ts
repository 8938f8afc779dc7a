// How every message names a field of a body, spec or file: keys joined with dots, list entries in
// brackets (`services.web.ports[0].published`, `template.ports[1].host`), as Compose and most
// YAML tools write them, then what is wrong with it after a space, the field the subject of the
// sentence (`services.web.ports[0].name must be a DNS label ...`), as a flag is
// (`--replicas is "x"; ...`). One writer, so a task file, a Compose file and an API body agree.

/**
 * `task.ports[0].host must be ...`: a field, and what is wrong with it. The CLI puts the flag that
 * set a field in its place (cli/field-flags.ts: `--update-parallelism must be ...`), which reads
 * right only in this form.
 */
export function fieldProblem(field: string, problem: string): string {
  return `${field} ${problem}`;
}

/**
 * `ports` + 0 → `ports[0]`; `ports` + 0 + `host` → `ports[0].host`: a number is a list index, a
 * string a key; an empty base gives the first key alone.
 */
export function fieldPath(base: string, ...keys: ReadonlyArray<string | number>): string {
  let path = base;
  for (const key of keys) {
    if (typeof key === 'number') path = `${path}[${key}]`;
    else path = path === '' ? key : `${path}.${key}`;
  }
  return path;
}

/** Names a field below some base: `f('ports', 0, 'host')` → `template.ports[0].host`. */
export type FieldNamer = (...keys: ReadonlyArray<string | number>) => string;

const INDEX = /^(?:0|[1-9][0-9]*)$/;

/**
 * A JSON pointer (RFC 6901: `/ports/0/host`, as TypeBox and Ajv place an error) as a field path
 * below `base` (`ports[0].host`). A segment is a list index only where `value` (what the pointer
 * points into) holds a list, so a map key that is a number (`env/1`) stays a key (`env.1`).
 */
export function pointerPath(pointer: string, value: unknown, base = ''): string {
  let path = base;
  let at = value;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const isIndex = Array.isArray(at) && INDEX.test(key);
    path = fieldPath(path, isIndex ? Number(key) : key);
    at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined;
  }
  return path;
}
