import { asList, asMap, asScalarText, composeError, fieldPath, type Findings } from './values.js';

/**
 * `environment:` as a list ("KEY=value"; "KEY" alone takes the value from `hostEnv`) or a mapping
 * (a null value takes it from `hostEnv`), as `docker compose` reads it from the shell it runs in.
 * A variable to take from the shell that the shell does not have is left out, and noted.
 */
export function composeEnvironment(
  value: unknown,
  path: string,
  hostEnv: Readonly<Record<string, string | undefined>>,
  found: Findings,
): Record<string, string> {
  const out: Record<string, string> = {};
  const fromHost = (key: string, at: string): void => {
    const v = hostEnv[key];
    if (v === undefined) found.notes.push(`${at}: ${key} is not set in this shell; left out`);
    else out[key] = v;
  };
  if (Array.isArray(value)) {
    asList(value, path).forEach((entry, i) => {
      const at = fieldPath(path, i);
      const text = asScalarText(entry, at);
      const eq = text.indexOf('=');
      const key = eq < 0 ? text : text.slice(0, eq);
      if (key === '') throw composeError(at, `is "${text}"; a variable is "KEY=value"`);
      if (eq < 0) fromHost(key, at);
      else out[key] = text.slice(eq + 1);
    });
    return out;
  }
  for (const [key, v] of Object.entries(asMap(value, path))) {
    if (v === null) fromHost(key, fieldPath(path, key));
    else out[key] = asScalarText(v, fieldPath(path, key));
  }
  return out;
}
