import { InvalidField } from '../errors/index.js';

// `--filter KEY=VALUE` (`-f`), as docker's commands take it (`docker ps -f status=running`,
// `docker events -f type=container`): each split at its first `=`, its key in any case.

/**
 * Each `KEY=VALUE` of `given` as a key (lower case, one of `keys`) and its value; one that is no
 * pair, has an empty value or a key not in `keys` is refused, naming what it takes (`takes`).
 */
export function filterPairs<K extends string>(
  given: readonly string[] | undefined,
  keys: readonly K[],
  takes: string,
): Array<[K, string]> {
  return (given ?? []).map((pair) => {
    const at = pair.indexOf('=');
    const key = pair.slice(0, at).toLowerCase();
    const value = pair.slice(at + 1);
    if (at < 1 || value === '' || !(keys as readonly string[]).includes(key))
      throw new InvalidField('--filter', `is "${pair}"; use ${takes}`);
    return [key as K, value];
  });
}
