import { asList, asString, composeError, fieldPath, isMap, shown, type ComposeMap, type Findings } from './values.js';

// Compose's profiles, as `docker compose up` reads them: a service that lists `profiles` is
// deployed only when one of them is active; a service without is always. The active ones are
// COMPOSE_PROFILES (the deploying shell's, over the `.env`'s), comma-separated; `*` is all of them.
// (`docker stack deploy` refuses the key; deploying such a service anyway would run what the file
// keeps for a debug or tools run.)

/** The specification's pattern for a profile's name. */
const PROFILE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** The services of `services` to deploy; each left out is noted with how to deploy it. */
export function activeServices(
  services: ComposeMap,
  hostEnv: Readonly<Record<string, string | undefined>>,
  found: Findings,
): ComposeMap {
  const active = new Set(
    (hostEnv['COMPOSE_PROFILES'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== ''),
  );
  const out: Record<string, unknown> = {};
  for (const [key, body] of Object.entries(services)) {
    const listed = isMap(body) ? profilesOf(body['profiles'], fieldPath(fieldPath('services', key), 'profiles')) : [];
    if (listed.length === 0 || active.has('*') || listed.some((p) => active.has(p))) out[key] = body;
    else
      found.notes.push(
        `${fieldPath('services', key)}: left out, as its profiles (${listed.join(', ')}) are not active ` +
          `(COMPOSE_PROFILES=${listed[0] ?? ''} deploys it)`,
      );
  }
  if (Object.keys(out).length === 0)
    throw composeError(
      'services',
      'has no service to deploy: each is in a profile that is not active; set COMPOSE_PROFILES to the ones to deploy',
    );
  return out;
}

function profilesOf(value: unknown, path: string): string[] {
  if (value === undefined || value === null) return [];
  return asList(value, path).map((p, i) => {
    const name = asString(p, fieldPath(path, i));
    if (!PROFILE.test(name))
      throw composeError(
        fieldPath(path, i),
        `must be a profile name: a letter or digit, then one or more letters, digits, _ . or - (got ${shown(name)})`,
      );
    return name;
  });
}
