import { asList, asMap, asScalarText, composeError, fieldPath } from './values.js';

/** `labels:` as a list ("key=value", "key" for an empty value) or a mapping (scalars become text). */
export function composeLabels(value: unknown, path: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(value)) {
    asList(value, path).forEach((entry, i) => {
      const text = asScalarText(entry, fieldPath(path, i));
      const eq = text.indexOf('=');
      const key = eq < 0 ? text : text.slice(0, eq);
      if (key === '') throw composeError(fieldPath(path, i), `is "${text}"; a label is "key=value"`);
      out[key] = eq < 0 ? '' : text.slice(eq + 1);
    });
    return out;
  }
  for (const [key, v] of Object.entries(asMap(value, path)))
    out[key] = v === null ? '' : asScalarText(v, fieldPath(path, key));
  return out;
}
