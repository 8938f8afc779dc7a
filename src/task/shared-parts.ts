import { DEFAULT_RESTART_POLICY, type RestartPolicy, type TaskRequest } from './request.js';

/** Longest string worth sharing; longer ones are rarely repeated. */
const MAX_SHARED_LENGTH = 256;

/** The empty port list every request without ports shares. */
const NO_PORT_REQUESTS = Object.freeze([]) as unknown as TaskRequest['ports'];

/**
 * Shares what many task requests hold alike. Each request arrives as fresh JSON, so without this
 * 100,000 tasks keep 100,000 copies of the same image name, command, env, labels and restart
 * policy: about a third of what a task costs the manager in memory, and a worker a quarter.
 * Shared values are frozen: neither the manager nor a worker changes a request in place, and a
 * change by mistake throws instead of changing every task at once. The tables are bounded, so
 * values that are not repeated (ids, names) cost a lookup and nothing more once they are full.
 */
export class SharedParts {
  readonly #strings = new Map<string, string>();
  readonly #values = new Map<string, unknown>();
  /** The shared value each kind handed out last: requests in a row mostly hold the same (replicas, a burst). */
  readonly #last = new Map<string, unknown>();

  constructor(private readonly maxEntries = 10_000) {}

  /** A request that shares its repeated parts with earlier ones; same content. */
  request(r: TaskRequest): TaskRequest {
    return {
      ...r,
      image: this.string(r.image),
      command: this.value('command', r.command),
      env: this.value('env', r.env),
      labels: this.value('labels', r.labels),
      ports: r.ports.length === 0 ? NO_PORT_REQUESTS : r.ports,
      restartPolicy: isDefaultPolicy(r.restartPolicy) ? DEFAULT_RESTART_POLICY : r.restartPolicy,
    };
  }

  /** The shared copy of a short string seen before (reasons, images), or the string itself. */
  string(s: string): string {
    if (s.length > MAX_SHARED_LENGTH) return s;
    const known = this.#strings.get(s);
    if (known !== undefined) return known;
    if (this.#strings.size < this.maxEntries) this.#strings.set(s, s);
    return s;
  }

  /** The shared frozen copy of a JSON-like value with the same content, or the value itself. */
  value<T>(kind: string, v: T): T {
    // compared in place first: the key below costs a JSON text and a string of it per value
    const last = this.#last.get(kind);
    if (last !== undefined && sameJson(last, v)) return last as T;
    const shared = this.#lookUp(kind, v);
    if (shared !== v) this.#last.set(kind, shared);
    return shared;
  }

  #lookUp<T>(kind: string, v: T): T {
    const key = `${kind}\u0000${JSON.stringify(v)}`;
    if (key.length > MAX_SHARED_LENGTH * 4) return v;
    const known = this.#values.get(key);
    if (known !== undefined) return known as T;
    if (this.#values.size >= this.maxEntries) return v;
    const frozen = deepFreeze(structuredClone(v));
    this.#values.set(key, frozen);
    return frozen;
  }
}

function isDefaultPolicy(p: RestartPolicy): boolean {
  const d = DEFAULT_RESTART_POLICY;
  return (
    p.mode === d.mode &&
    p.maxRestarts === d.maxRestarts &&
    p.backoffInitialMs === d.backoffInitialMs &&
    p.backoffMaxMs === d.backoffMaxMs &&
    p.resetAfterMs === d.resetAfterMs
  );
}

/**
 * Equal as their JSON texts would be, without making them: the same values with the same keys in
 * the same order (a shared copy must keep the order the request was sent in). False for what JSON
 * would write alike but this cannot tell (an undefined field, NaN): that only misses the shortcut.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  const others = Object.keys(b);
  if (keys.length !== others.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (k !== others[i] || !sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
      return false;
  }
  return true;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}
