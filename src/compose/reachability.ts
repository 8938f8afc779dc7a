import type { ServiceSpec } from '../api/index.js';
import { fieldPath, isMap, type ComposeMap, type Findings } from './values.js';

// On a Compose network every port of a container is open to the others; here a service's name is
// a virtual IP that serves the ports it lists. A service that lists none, which another names as a
// host, is noted. A name counts as a host only where a value uses it as one: the whole value
// (`DB_HOST=db`, a command's word `db`), a URL's host (`postgres://app@db:5432/app`) or a
// `host:port` (`db:5432`); a word inside another value (`F=a=b`, with a service `b`) does not.

/**
 * Notes each service without ports or expose that another names: in `depends_on` or `links`, or
 * as a host in its environment's values or its command's or entrypoint's words.
 */
export function noteUnreachable(services: ComposeMap, specs: readonly ServiceSpec[], found: Findings): void {
  const keys = Object.keys(services);
  keys.forEach((key, i) => {
    if ((specs[i]?.task.ports ?? []).length > 0) return;
    const by = keys.filter((other) => other !== key && names(services[other], key));
    if (by.length === 0) return;
    found.notes.push(
      `${fieldPath('services', key)}: no ports or expose, so ${by.map((k) => fieldPath('services', k)).join(', ')}, ` +
        `which name${by.length === 1 ? 's' : ''} it, cannot reach it (list the ports it serves: expose: ["5432"] ` +
        'binds no host port)',
    );
  });
}

/** Whether a service's body names `key`: in depends_on or links, or as a host in a value. */
function names(body: unknown, key: string): boolean {
  if (!isMap(body)) return false;
  const deps = body['depends_on'];
  if (Array.isArray(deps) ? deps.includes(key) : isMap(deps) && key in deps) return true;
  const links = Array.isArray(body['links']) ? body['links'] : [];
  if (links.some((l) => typeof l === 'string' && l.split(':')[0] === key)) return true;
  const host = hostPattern(key);
  const values = [...environmentValues(body['environment']), ...words(body['command']), ...words(body['entrypoint'])];
  return values.some((v) => v === key || host.test(v));
}

/** A URL's host (after `://` and any `user:password@`), or `key:port`. */
function hostPattern(key: string): RegExp {
  const k = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`://(?:[^/?#@\\s]*@)?${k}(?:$|[:/?#])|(?:^|[^A-Za-z0-9_.-])${k}:\\d+(?:$|[^A-Za-z0-9_.-])`);
}

/** The values of `environment`, list (`KEY=value`) or mapping; a bare `KEY` (from the shell) has none. */
function environmentValues(env: unknown): string[] {
  if (Array.isArray(env))
    return env.flatMap((e) => {
      const text = typeof e === 'string' || typeof e === 'number' ? String(e) : '';
      const eq = text.indexOf('=');
      return eq < 0 ? [] : [text.slice(eq + 1)];
    });
  if (isMap(env)) return Object.values(env).flatMap((v) => (v === null || v === undefined ? [] : [String(v)]));
  return [];
}

/** A command's words, and the words of each (a `sh -c` script's), split at blanks, quotes and `;&|()`. */
function words(command: unknown): string[] {
  const parts = Array.isArray(command) ? command : [command];
  return parts.flatMap((p) =>
    typeof p === 'string' || typeof p === 'number'
      ? String(p)
          .split(/[\s'"`;&|()]+/)
          .filter((w) => w !== '')
      : [],
  );
}
