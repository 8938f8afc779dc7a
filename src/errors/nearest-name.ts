// "Did you mean …?": the known name nearest to one a person wrote, for the messages that refuse
// an unknown key (config files) or field (specs).

/**
 * The name of `names` fewest edits from `given` (first on a tie), if it is at most `maxEdits`
 * away; both are compared through `key` (for example lowercased).
 */
export function nearestName(
  given: string,
  names: readonly string[],
  maxEdits: number,
  key: (name: string) => string = (name) => name,
): string | undefined {
  const a = key(given);
  let best: string | undefined;
  let bestDistance = maxEdits + 1;
  for (const name of names) {
    const b = key(name);
    // an edit changes the length by one at most: a name further off in length is no nearer
    if (Math.abs(a.length - b.length) >= bestDistance) continue;
    const d = editDistance(a, b);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/**
 * The field or key of `names` a misspelt `given` probably meant: case and `-` or `_` aside
 * (`restart_policy` is `restartPolicy`), within a third of its length in edits (at least one).
 * The rule of spec fields and Compose keys alike.
 */
export function nearestField(given: string, names: readonly string[]): string | undefined {
  const key = (name: string): string => name.toLowerCase().replace(/[-_]/g, '');
  return nearestName(given, names, Math.max(1, Math.floor(key(given).length / 3)), key);
}

/** Edit distance, with a swap of two neighbours as one edit ("stroe" is one from "store"). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  const at = (i: number, j: number): number => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  return at(a.length, b.length);
}
