// A task's labels as people read them, in `poseidon status TASK` and the console's task page.

/** Its labels as `key=value, ...` by key, or `-` for none (values as they are: escape them where printed). */
export function labelsText(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}=${labels[k] ?? ''}`).join(', ') || '-';
}
