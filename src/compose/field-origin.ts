// Which of several Compose files (`-c base.yml -c prod.yml`) set the field an error names: the
// error is found in the merged document, so its path alone does not say which file to open.

interface Place {
  file: number;
  at: unknown;
}

/** The next step of `rest` into an object: the longest of its keys that fits (a key may hold dots). */
function keyStep(at: object, rest: string): string | undefined {
  return Object.keys(at)
    .filter((k) => rest === k || rest.startsWith(`${k}.`) || rest.startsWith(`${k}[`))
    .sort((a, b) => b.length - a.length)[0];
}

/**
 * The file, of `named` (one name per document, in merge order), that set the field at `path`
 * (`services.web.deploy.replicas`, `services.web.ports[1]`) of their merge: of the files that hold
 * a key, the last, which the merge let win; a list's entries counted across the files in order,
 * as the merge appends them. Where no file holds the next step, the last that held the one before.
 * Undefined when no file holds even the first step.
 */
export function fieldOrigin(docs: readonly unknown[], named: readonly string[], path: string): string | undefined {
  let places: Place[] = docs.map((at, file) => ({ file, at }));
  let last: Place | undefined;
  let rest = path;
  while (rest !== '' && places.length > 0) {
    const index = /^\[(\d+)\]\.?/.exec(rest);
    const next: Place[] = [];
    let step = 0;
    if (index !== null) {
      let i = Number(index[1]);
      for (const p of places) {
        if (!Array.isArray(p.at)) continue;
        if (i < p.at.length) {
          next.push({ file: p.file, at: p.at[i] });
          break;
        }
        i -= p.at.length;
      }
      step = index[0].length;
    } else {
      for (const p of places) {
        const key = typeof p.at === 'object' && p.at !== null ? keyStep(p.at, rest) : undefined;
        if (key === undefined) continue;
        next.push({ file: p.file, at: (p.at as Record<string, unknown>)[key] });
        step = Math.max(step, key.length + (rest[key.length] === '.' ? 1 : 0));
      }
    }
    if (next.length > 0) last = next[next.length - 1];
    places = next;
    rest = rest.slice(step);
  }
  return last === undefined ? undefined : named[last.file];
}
